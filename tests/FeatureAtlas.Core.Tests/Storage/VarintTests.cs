using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Core.Tests.Storage;

public sealed class VarintTests
{
    public static TheoryData<ulong, byte[]> Encodings => new()
    {
        { 0UL, [0x00] },
        { 1UL, [0x01] },
        { 127UL, [0x7F] },
        { 128UL, [0x80, 0x01] },
        // The Protocol Buffers encoding guide's example: 150 is 96 01.
        { 150UL, [0x96, 0x01] },
        { 300UL, [0xAC, 0x02] },
        { ulong.MaxValue, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01] },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void WriteAndRead_KnownValues_MatchLeb128(ulong value, byte[] expected)
    {
        var buffer = new byte[Varint.MaxBytes + 1];
        buffer[^1] = 0xEE;

        var written = Varint.Write(buffer, value);
        var at = 0;
        var read = Varint.TryRead(buffer, ref at, out var back);

        Assert.Equal(expected, buffer[..written]);
        Assert.True(read);
        Assert.Equal(value, back);
        Assert.Equal(written, at);
    }

    [Fact]
    public void TryRead_TruncatedOrOver64Bits_ReturnsFalse()
    {
        var at = 0;
        Assert.False(Varint.TryRead([0x80, 0x80], ref at, out _));
        at = 0;
        Assert.False(Varint.TryRead([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02], ref at, out _));
        at = 0;
        Assert.False(Varint.TryRead([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], ref at, out _));
    }
}
