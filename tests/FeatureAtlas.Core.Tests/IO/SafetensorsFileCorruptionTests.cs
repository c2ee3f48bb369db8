using System.Text;
using FeatureAtlas.Core.IO;

namespace FeatureAtlas.Core.Tests.IO;

/// <summary>One test per way a header can be wrong: each must raise InvalidDataException naming the file.</summary>
public sealed class SafetensorsFileCorruptionTests : IDisposable
{
    private const string Valid = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";

    private readonly SafetensorsTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Open_FileShorterThan8Bytes_Throws() =>
        AssertCorrupt("short.safetensors", [0x02, 0, 0, 0, 0], "5 bytes");

    [Fact]
    public void Open_HeaderLengthOver100MB_Throws() =>
        AssertCorrupt("huge-header.safetensors", SafetensorsTestFiles.Build("{}"u8.ToArray(), 100_000_001, []), "100000001");

    [Fact]
    public void Open_HeaderLengthMaxUInt64_Throws() =>
        AssertCorrupt("max-header.safetensors", SafetensorsTestFiles.Build("{}"u8.ToArray(), ulong.MaxValue, []), "exceeds");

    [Fact]
    public void Open_HeaderLengthBeyondFile_Throws() =>
        AssertCorrupt("long-header.safetensors", SafetensorsTestFiles.Build("{}"u8.ToArray(), 1000, new byte[10]), "1000");

    [Fact]
    public void Open_HeaderNotUtf8_Throws() =>
        AssertCorrupt("utf8.safetensors", SafetensorsTestFiles.Build([(byte)'{', 0xFF, 0xFE, (byte)'}'], 4, []), "UTF-8");

    [Fact]
    public void Open_EmptyHeader_Throws() =>
        AssertCorrupt("no-header.safetensors", SafetensorsTestFiles.Build("", 0), "JSON");

    [Fact]
    public void Open_HeaderNotJson_Throws() =>
        AssertCorrupt("not-json.safetensors", SafetensorsTestFiles.Build("{a:1}", 0), "JSON");

    [Fact]
    public void Open_HeaderTruncatedJson_Throws() =>
        AssertCorrupt("cut-json.safetensors", SafetensorsTestFiles.Build(Valid[..30], 8), "JSON");

    [Fact]
    public void Open_HeaderIsArray_Throws() =>
        AssertCorrupt("array.safetensors", SafetensorsTestFiles.Build("[1,2]", 0), "JSON object", "StartArray");

    [Fact]
    public void Open_TrailingTextAfterObject_Throws() =>
        AssertCorrupt("trailing.safetensors", SafetensorsTestFiles.Build("{} {}", 0), "JSON");

    [Fact]
    public void Open_DuplicateTensorKey_Throws() => AssertCorrupt("dup.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8),
        "duplicate", "'a'");

    [Fact]
    public void Open_DuplicateKeyViaEscape_Throws() => AssertCorrupt("dup-escape.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"\u0061":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8),
        "duplicate", "'a'");

    [Fact]
    public void Open_DuplicateMetadataKey_Throws() => AssertCorrupt("dup-meta.safetensors",
        SafetensorsTestFiles.Build("""{"__metadata__":{"k":"1","k":"2"}}""", 0), "duplicate", "'k'");

    [Fact]
    public void Open_DuplicateFieldInEntry_Throws() => AssertCorrupt("dup-field.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}""", 8),
        "'a'", "duplicate field 'dtype'");

    [Fact]
    public void Open_EntryNotObject_Throws() =>
        AssertCorrupt("entry.safetensors", SafetensorsTestFiles.Build("""{"a":[0,8]}""", 8), "'a'", "object");

    [Theory]
    [InlineData("""{"a":{"shape":[2],"data_offsets":[0,8]}}""", "'dtype'")]
    [InlineData("""{"a":{"dtype":"F32","data_offsets":[0,8]}}""", "'shape'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2]}}""", "'data_offsets'")]
    public void Open_MissingField_Throws(string header, string field) =>
        AssertCorrupt("missing-field.safetensors", SafetensorsTestFiles.Build(header, 8), "'a'", field);

    [Theory]
    [InlineData("dtype a number", """{"a":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}""", "'dtype'")]
    [InlineData("shape a string", """{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}""", "'shape'")]
    [InlineData("shape a fraction", """{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}""", "'shape'")]
    [InlineData("shape past long", """{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}""", "'shape'")]
    [InlineData("three data_offsets", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,16]}}""", "'data_offsets'")]
    [InlineData("data_offsets strings", """{"a":{"dtype":"F32","shape":[2],"data_offsets":["0","8"]}}""", "'data_offsets'")]
    [InlineData("data_offsets null", """{"a":{"dtype":"F32","shape":[2],"data_offsets":null}}""", "'data_offsets'")]
    // The case comes first: xUnit shows 50 characters of each argument, and three headers share their first 50.
    public void Open_IllTypedField_Throws(string wrong, string header, string field)
    {
        _ = wrong;   // names the case in the runner's output only
        AssertCorrupt("ill-typed.safetensors", SafetensorsTestFiles.Build(header, 8), "'a'", field);
    }

    [Fact]
    public void Open_UnknownDtype_Throws() => AssertCorrupt("dtype.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}}""", 8), "'a'", "unknown dtype 'f32'");

    [Fact]
    public void Open_NegativeDimension_Throws() => AssertCorrupt("negative.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 8), "'a'", "-2");

    [Fact]
    public void Open_NegativeOffset_Throws() => AssertCorrupt("negative-offset.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}""", 8), "'a'", "-8");

    [Fact]
    public void Open_BeginAfterEnd_Throws() => AssertCorrupt("begin-end.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}""", 8), "'a'", "begin 8", "end 0");

    [Fact]
    public void Open_EndBeyondDataSection_Throws() => AssertCorrupt("beyond.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8), "'a'", "end 16", "8 bytes");

    [Fact]
    public void Open_ByteLengthNotShapeTimesDtype_Throws() => AssertCorrupt("size.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}""", 8), "'a'", "needs 4 bytes", "span 8");

    [Fact]
    public void Open_ElementCountOverflows_Throws() => AssertCorrupt("overflow.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""", 8), "'a'", "overflow");

    [Fact]
    public void Open_ByteCountOverflows_Throws() => AssertCorrupt("overflow-bits.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}}""", 8), "'a'", "overflow");

    [Fact]
    public void Open_SubByteDtypeNotWholeBytes_Throws() => AssertCorrupt("f4.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}""", 2), "'a'", "whole bytes");

    [Fact]
    public void Open_OverlappingTensors_Throws() => AssertCorrupt("overlap.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12),
        "'b'", "overlaps", "'a'");

    [Fact]
    public void Open_HoleBetweenTensors_Throws() => AssertCorrupt("hole.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12),
        "'b'", "hole");

    [Fact]
    public void Open_FirstTensorNotAtZero_Throws() => AssertCorrupt("offset-start.safetensors",
        SafetensorsTestFiles.Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8), "'a'", "hole");

    [Fact]
    public void Open_BytesAfterLastTensor_Throws() =>
        AssertCorrupt("trailing-bytes.safetensors", SafetensorsTestFiles.Build(Valid, 12), "12 bytes", "end at byte 8");

    [Fact]
    public void Open_MetadataValueNotString_Throws() => AssertCorrupt("meta-value.safetensors",
        SafetensorsTestFiles.Build("""{"__metadata__":{"d_sae":24576}}""", 0), "__metadata__", "'d_sae'");

    [Fact]
    public void Open_MetadataNotObject_Throws() => AssertCorrupt("meta-object.safetensors",
        SafetensorsTestFiles.Build("""{"__metadata__":"pt"}""", 0), "__metadata__");

    [Fact]
    public void Open_LoneSurrogateEscapeInName_Throws() => AssertCorrupt("surrogate.safetensors",
        SafetensorsTestFiles.Build("""{"\ud800":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8), "undecodable");

    [Fact]
    public void Open_NestingDeeperThanReaderLimit_Throws()
    {
        string deep = new string('[', 100) + new string(']', 100);
        string header = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":""" + deep + "}}";
        AssertCorrupt("deep.safetensors", SafetensorsTestFiles.Build(header, 8), "JSON");
    }

    private void AssertCorrupt(string fileName, byte[] bytes, params string[] fragments)
    {
        string path = _files.Save(fileName, bytes);

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path).Dispose());

        Assert.Contains(fileName, error.Message);
        foreach (string fragment in fragments)
            Assert.Contains(fragment, error.Message);
    }
}
