using System.Buffers.Binary;
using System.Text;
using FeatureAtlas.Core.IO;

namespace FeatureAtlas.Core.Tests.IO;

public sealed class SafetensorsWriterTests : IDisposable
{
    private readonly SafetensorsTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Write_TwoTensors_ProducesReferenceLayoutBytes()
    {
        string path = _files.PathOf("layout.safetensors");

        // Given out of order; the file must list them by name, data in the same order.
        SafetensorsWriter.Write(path, [new("b", [1], new[] { 2f }), new("a", [2], new[] { 1f, -1f })]);
        byte[] bytes = File.ReadAllBytes(path);

        const string json = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""";
        int paddedLength = (json.Length + 7) / 8 * 8;
        Assert.Equal((ulong)paddedLength, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(json.PadRight(paddedLength), Encoding.UTF8.GetString(bytes, 8, paddedLength));
        Assert.Equal(0, (8 + paddedLength) % 8);
        byte[] data = [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x80, 0xBF, 0x00, 0x00, 0x00, 0x40];
        Assert.Equal(data, bytes[(8 + paddedLength)..]);
    }

    [Fact]
    public void Write_Metadata_ComesFirstAndSortedByKey()
    {
        string path = _files.PathOf("meta.safetensors");

        SafetensorsWriter.Write(path, [new("x", [1], new[] { 0f })],
            new Dictionary<string, string> { ["z"] = "last", ["a"] = "first" });
        string header = Encoding.UTF8.GetString(File.ReadAllBytes(path)[8..]);

        Assert.StartsWith("""{"__metadata__":{"a":"first","z":"last"},"x":""", header);
    }

    [Fact]
    public void Write_SameInputTwice_ProducesIdenticalBytes()
    {
        SafetensorsWriter.Entry[] tensors = [new("w", [2, 2], new[] { 1f, 2f, 3f, 4f }), new("é.bias", [2], new[] { 5f, 6f })];
        string first = _files.PathOf("first.safetensors"), second = _files.PathOf("second.safetensors");

        SafetensorsWriter.Write(first, tensors);
        SafetensorsWriter.Write(second, tensors.Reverse());

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Theory]
    [InlineData(SafetensorsDtype.F16)]
    [InlineData(SafetensorsDtype.BF16)]
    public void Write_HalfDtype_ReadsBackRoundedValues(SafetensorsDtype dtype)
    {
        float[] values = [1f, -2f, 0.5f, 65504f, 3.14159265f, 1e-3f, 0f];
        string path = _files.PathOf($"{dtype}.safetensors");

        SafetensorsWriter.Write(path, [new("t", [values.Length], values)], dtype);
        using var file = SafetensorsFile.Open(path);

        Assert.Equal(dtype, file.Get("t").Dtype);
        Assert.Equal(values.Length * 2, file.Get("t").ByteLength);
        float[] expected = dtype == SafetensorsDtype.F16
            ? values.Select(v => (float)(Half)v).ToArray()
            : values.Select(v => HalfConversion.BFloat16BitsToSingle(HalfConversion.SingleToBFloat16Bits(v))).ToArray();
        Assert.Equal(expected, file.ReadFloat32("t"));
        Assert.Equal(3.140625f, file.ReadFloat32("t")[4], dtype == SafetensorsDtype.BF16 ? 0f : 2e-3f);
    }

    [Fact]
    public void Write_ExistingFile_IsReplacedAndNoTemporaryRemains()
    {
        string path = _files.PathOf("replace.safetensors");
        File.WriteAllText(path, "old contents");

        SafetensorsWriter.Write(path, [new("x", [1], new[] { 7f })]);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal([7f], file.ReadFloat32("x"));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Write_DataLengthNotShapeProduct_ThrowsAndWritesNothing()
    {
        string path = _files.PathOf("bad-shape.safetensors");

        var error = Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.Write(path, [new("W_dec", [2, 3], new float[5])]));

        Assert.Contains("'W_dec'", error.Message);
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Write_DuplicateName_Throws() =>
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(_files.PathOf("dup.safetensors"),
            [new("x", [1], new[] { 1f }), new("x", [1], new[] { 2f })]));

    [Fact]
    public void Write_NegativeDimension_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SafetensorsWriter.Write(_files.PathOf("neg.safetensors"),
            [new("x", [-1], ReadOnlyMemory<float>.Empty)]));

    [Fact]
    public void Write_ReservedMetadataName_Throws() =>
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(_files.PathOf("reserved.safetensors"),
            [new("__metadata__", [1], new[] { 1f })]));

    [Fact]
    public void Write_NonFloatDtype_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SafetensorsWriter.Write(_files.PathOf("i32.safetensors"),
            [new("x", [1], new[] { 1f })], SafetensorsDtype.I32));
}
