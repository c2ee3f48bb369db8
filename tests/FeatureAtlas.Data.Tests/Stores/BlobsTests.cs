using FeatureAtlas.Data.Stores;

namespace FeatureAtlas.Data.Tests.Stores;

public sealed class BlobsTests
{
    [Fact]
    public void Encodings_RoundTrip_AreLittleEndianAndCompact()
    {
        int[] tokens = [0, 1, 50256, -1, int.MaxValue];
        int[] positions = [0, 1, 127, 65535];
        float[] values = [0f, 1.5f, -2.25e-7f, float.MaxValue, float.Epsilon];
        long[] counts = [0, 1, 127, 128, 300, 1L << 40, long.MaxValue];

        Assert.Equal([0x00, 0x01, 0x00, 0x00], Blobs.FromInt32s([256])[..4]);
        Assert.Equal(tokens, Blobs.ToInt32s(Blobs.FromInt32s(tokens), "t"));
        Assert.Equal(8, Blobs.FromUInt16s(positions, "p").Length);
        Assert.Equal(positions, Blobs.ToUInt16s(Blobs.FromUInt16s(positions, "p"), "p"));
        Assert.Equal(values, Blobs.ToFloat32s(Blobs.FromFloat32s(values), "v"));
        var varints = Blobs.FromVarInts(counts, "c");
        Assert.Equal([0x00, 0x01, 0x7F, 0x80, 0x01], varints[..5]);
        Assert.Equal(counts, Blobs.ToVarInts(varints, counts.Length, "c"));
    }

    [Fact]
    public void Decode_CorruptBlob_ThrowsInvalidDataNamingTheField()
    {
        var error = Assert.Throws<InvalidDataException>(() => Blobs.ToFloat32s([1, 2, 3], "feature 7, values"));
        Assert.Contains("feature 7, values", error.Message);
        Assert.Throws<InvalidDataException>(() => Blobs.ToVarInts([0x80], 1, "h"));
        Assert.Throws<InvalidDataException>(() => Blobs.ToVarInts([1, 2], 1, "h"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Blobs.FromUInt16s([65536], "p"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Blobs.FromVarInts([-1], "h"));
    }
}
