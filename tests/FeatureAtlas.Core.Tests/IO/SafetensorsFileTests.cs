using System.Text;
using FeatureAtlas.Core.IO;

namespace FeatureAtlas.Core.Tests.IO;

public sealed class SafetensorsFileTests : IDisposable
{
    private readonly SafetensorsTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Open_ReferenceDocTestVector_ParsesI32ZeroMatrix()
    {
        // The 84-byte doc-test in huggingface/safetensors tensor.rs (sae-formats.md §7).
        const string json = """{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}""";
        byte[] bytes = SafetensorsTestFiles.Build(json, 16);
        Assert.Equal(84, bytes.Length);
        Assert.Equal(new byte[] { 0x3C, 0, 0, 0, 0, 0, 0, 0 }, bytes[..8]);
        Assert.Equal(json, Encoding.UTF8.GetString(bytes, 8, 60));

        using var file = SafetensorsFile.Open(_files.Save("doctest.safetensors", bytes));

        var info = Assert.Single(file.Tensors).Value;
        Assert.Equal("test", info.Name);
        Assert.Equal(SafetensorsDtype.I32, info.Dtype);
        Assert.Equal([2L, 2L], info.Shape);
        Assert.Equal((0L, 16L), (info.Begin, info.End));
        Assert.Equal(4, info.ElementCount);
        Assert.Equal(new int[4], file.ReadInt32("test"));
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void ReadFloat32_AfterWrite_RoundTripsValuesShapesAndMetadata()
    {
        var random = new Random(20240611);
        float[] weights = Enumerable.Range(0, 3 * 5).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
        float[] bias = [float.MaxValue, float.Epsilon, -0f, float.NegativeInfinity, 1e-30f];
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["hook_name"] = "blocks.8.hook_resid_pre" };
        string path = _files.PathOf("roundtrip.safetensors");

        SafetensorsWriter.Write(path,
            [new("W_enc", [3, 5], weights), new("b_enc", [5], bias), new("scalar", [], new[] { 42f })], metadata);
        using var file = SafetensorsFile.Open(path);

        Assert.Equal(weights, file.ReadFloat32("W_enc"));
        Assert.Equal(bias, file.ReadFloat32("b_enc"));
        Assert.Equal([3L, 5L], file.Get("W_enc").Shape);
        Assert.Empty(file.Get("scalar").Shape);
        Assert.Equal([42f], file.ReadFloat32("scalar"));
        Assert.Equal(metadata, file.Metadata);
    }

    [Fact]
    public void ReadFloat32_SpanDestination_FillsExactly()
    {
        string path = _files.PathOf("span.safetensors");
        SafetensorsWriter.Write(path, [new("x", [2, 2], new[] { 1f, 2f, 3f, 4f })]);
        using var file = SafetensorsFile.Open(path);

        var destination = new float[4];
        file.ReadFloat32("x", destination);

        Assert.Equal([1f, 2f, 3f, 4f], destination);
        Assert.Throws<ArgumentException>(() => file.ReadFloat32("x", new float[5]));
    }

    [Fact]
    public void ReadFloat32_BF16Bits_WidenToExactValues()
    {
        ushort[] bits = [0x3F80, 0xC000, 0x0000, 0x8000, 0x7F80, 0xFF80, 0x4049, 0x0001];
        float[] expected = [1f, -2f, 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, 3.140625f, 9.18355e-41f];
        string path = SaveSingle("bf16.safetensors", "BF16", bits);

        using var file = SafetensorsFile.Open(path);
        float[] actual = file.ReadFloat32("t");

        Assert.Equal(expected.Select(BitConverter.SingleToUInt32Bits), actual.Select(BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void ReadFloat32_F16Bits_WidenToExactValues()
    {
        // 17 elements so both the vector body and the scalar tail see special values.
        ushort[] bits = [0x3C00, 0x7BFF, 0x0001, 0x8001, 0x03FF, 0x0400, 0xC000, 0x7C00, 0xFC00, 0x0000, 0x8000,
            0x3555, 0x3C00, 0x7BFF, 0x0001, 0x8000, 0x3800];
        float[] expected = [1f, 65504f, 5.9604645e-8f, -5.9604645e-8f, 6.097555e-5f, 6.1035156e-5f, -2f,
            float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 0.33325195f, 1f, 65504f, 5.9604645e-8f, -0f, 0.5f];
        string path = SaveSingle("f16.safetensors", "F16", bits);

        using var file = SafetensorsFile.Open(path);
        float[] actual = file.ReadFloat32("t");

        Assert.Equal(expected.Select(BitConverter.SingleToUInt32Bits), actual.Select(BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void ReadFloat32_F16NaN_StaysNaN()
    {
        string path = SaveSingle("f16-nan.safetensors", "F16", [0x7E00, 0xFE00, 0x7C01]);

        using var file = SafetensorsFile.Open(path);

        Assert.All(file.ReadFloat32("t"), v => Assert.True(float.IsNaN(v)));
    }

    [Theory]
    [InlineData("  \n\t{}")]
    [InlineData("{}     ")]
    [InlineData(" {\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}\r\n  ")]
    public void Open_WhitespacePaddedHeader_IsAccepted(string header)
    {
        int dataLength = header.Contains("\"a\"") ? 4 : 0;
        string path = _files.Save("padded.safetensors", SafetensorsTestFiles.Build(header, dataLength));

        using var file = SafetensorsFile.Open(path);

        Assert.Equal(dataLength / 4, file.Tensors.Count);
    }

    [Fact]
    public void Open_EmptyObjectHeader_HasNoTensors()
    {
        string path = _files.Save("empty.safetensors", SafetensorsTestFiles.Build("{}", 0));

        using var file = SafetensorsFile.Open(path);

        Assert.Empty(file.Tensors);
        Assert.False(file.Contains("anything"));
    }

    [Fact]
    public void Open_ZeroSizedAndUnknownFieldEntries_AreAccepted()
    {
        // A zero dimension means begin == end; unknown fields are ignored as serde does.
        const string header = """
            {"empty":{"dtype":"F32","shape":[0,768],"data_offsets":[4,4]},
             "x":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"note":{"nested":[1,2,{"deep":null}]}}}
            """;
        string path = _files.Save("zero.safetensors", SafetensorsTestFiles.Build(header, 4));

        using var file = SafetensorsFile.Open(path);

        Assert.Empty(file.ReadFloat32("empty"));
        Assert.Equal([0f], file.ReadFloat32("x"));
    }

    [Fact]
    public void Get_MissingTensor_ThrowsNamingFileTensorAndPresentNames()
    {
        string path = _files.PathOf("missing.safetensors");
        SafetensorsWriter.Write(path, [new("W_dec", [1], new[] { 1f }), new("b_dec", [1], new[] { 2f })]);
        using var file = SafetensorsFile.Open(path);

        var error = Assert.Throws<InvalidDataException>(() => file.Get("W_enc"));

        Assert.Contains("missing.safetensors", error.Message);
        Assert.Contains("'W_enc'", error.Message);
        Assert.Contains("'W_dec'", error.Message);
        Assert.Contains("'b_dec'", error.Message);
    }

    [Fact]
    public void ReadFloat32_IntegerTensor_ThrowsNamingFileTensorAndDtype()
    {
        const string header = """{"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}""";
        string path = _files.Save("ids.safetensors", SafetensorsTestFiles.Build(header, 16, fill: 1));
        using var file = SafetensorsFile.Open(path);

        var error = Assert.Throws<InvalidDataException>(() => file.ReadFloat32("ids"));

        Assert.Contains("ids.safetensors", error.Message);
        Assert.Contains("'ids'", error.Message);
        Assert.Contains("I64", error.Message);
        Assert.Equal([0x0101010101010101L, 0x0101010101010101L], file.ReadInt64("ids"));
    }

    [Fact]
    public void ReadFloat32_AfterDispose_ThrowsObjectDisposed()
    {
        string path = _files.PathOf("disposed.safetensors");
        SafetensorsWriter.Write(path, [new("x", [1], new[] { 1f })]);
        var file = SafetensorsFile.Open(path);

        file.Dispose();
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => file.ReadFloat32("x"));
    }

    private string SaveSingle(string fileName, string dtype, ushort[] bits)
    {
        string header = $$$"""{"t":{"dtype":"{{{dtype}}}","shape":[{{{bits.Length}}}],"data_offsets":[0,{{{bits.Length * 2}}}]}}""";
        byte[] json = Encoding.UTF8.GetBytes(header);
        return _files.Save(fileName, SafetensorsTestFiles.Build(json, (ulong)json.Length, SafetensorsTestFiles.Bits16(bits)));
    }
}
