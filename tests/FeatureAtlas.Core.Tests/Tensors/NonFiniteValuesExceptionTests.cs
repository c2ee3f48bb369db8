using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Tests.Tensors;

public class NonFiniteValuesExceptionTests
{
    [Theory]
    [InlineData(float.PositiveInfinity, "+Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    [InlineData(float.NaN, "NaN")]
    public void ThrowIfAny_NonFiniteValue_NamesTensorKindTokenAndIndex(float bad, string kind)
    {
        // [3 tokens, 4 wide]; the first bad value is at token 1, index 2 (a later one must not be the one reported).
        var values = new float[12];
        values[6] = bad;
        values[11] = float.NaN;

        var error = Assert.Throws<NonFiniteValuesException>(() => NonFiniteValuesException.ThrowIfAny(values, 4, "blocks.0.hook_mlp_out"));

        Assert.Equal("blocks.0.hook_mlp_out", error.Tensor);
        Assert.Equal($"Non-finite activations: blocks.0.hook_mlp_out is {kind} at token 1, index 2; the model or SAE overflows float32 on this input, and JSON has no Infinity or NaN.", error.Message);
    }

    [Fact]
    public void ThrowIfAny_FiniteExtremes_DoesNotThrow() =>
        NonFiniteValuesException.ThrowIfAny([float.MaxValue, float.MinValue, float.Epsilon, 0f, -0f], 5, "x");
}
