using FeatureAtlas.Core.IO;

namespace FeatureAtlas.Core.Tests.IO;

public sealed class HalfConversionTests
{
    [Fact]
    public void WidenF16_AllBitPatterns_MatchesSystemHalf()
    {
        ushort[] all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        var fast = new float[all.Length];
        var reference = new float[all.Length];

        HalfConversion.WidenF16(all, fast);
        HalfConversion.WidenF16Reference(all, reference);

        for (int i = 0; i < all.Length; i++)
            AssertSameFloat(reference[i], fast[i], all[i]);
    }

    [Fact]
    public void WidenBF16_AllBitPatterns_MatchesShiftedBits()
    {
        ushort[] all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        var fast = new float[all.Length];

        HalfConversion.WidenBF16(all, fast);

        for (int i = 0; i < all.Length; i++)
            Assert.Equal((uint)i << 16, BitConverter.SingleToUInt32Bits(fast[i]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(1001)]
    public void Widen_RandomOddLengths_MatchReferenceTwins(int length)
    {
        var random = new Random(length + 11);
        ushort[] bits = Enumerable.Range(0, length).Select(_ => (ushort)random.Next(65536)).ToArray();
        float[] fast = new float[length], reference = new float[length];

        HalfConversion.WidenF16(bits, fast);
        HalfConversion.WidenF16Reference(bits, reference);
        for (int i = 0; i < length; i++)
            AssertSameFloat(reference[i], fast[i], bits[i]);

        HalfConversion.WidenBF16(bits, fast);
        HalfConversion.WidenBF16Reference(bits, reference);
        Assert.Equal(reference, fast);
    }

    [Theory]
    [InlineData(1.0f, (ushort)0x3F80)]
    [InlineData(-2.0f, (ushort)0xC000)]
    [InlineData(1.00390625f, (ushort)0x3F80)] // exactly halfway between 0x3F80 and 0x3F81: ties to even
    [InlineData(1.01171875f, (ushort)0x3F82)] // halfway between 0x3F81 and 0x3F82: ties to even
    [InlineData(1.0039064f, (ushort)0x3F81)]  // one float ulp above halfway: rounds up
    [InlineData(float.MaxValue, (ushort)0x7F80)]
    public void SingleToBFloat16Bits_Value_RoundsToNearestEven(float value, ushort expected) =>
        Assert.Equal(expected, HalfConversion.SingleToBFloat16Bits(value));

    [Fact]
    public void SingleToBFloat16Bits_NaN_StaysNaN() =>
        Assert.True(float.IsNaN(HalfConversion.BFloat16BitsToSingle(HalfConversion.SingleToBFloat16Bits(BitConverter.UInt32BitsToSingle(0x7F800001)))));

    private static void AssertSameFloat(float expected, float actual, ushort input)
    {
        if (float.IsNaN(expected))
            Assert.True(float.IsNaN(actual), $"0x{input:X4} should widen to NaN, got {actual}");
        else
            Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual),
                $"0x{input:X4}: expected {expected} got {actual}");
    }
}
