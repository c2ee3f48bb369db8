using FeatureAtlas.Core.Training;

namespace FeatureAtlas.Core.Tests.Training;

/// <summary>The distillation weight's schedule: α held for a share of the steps, then falling linearly to 0 at the last step.</summary>
public sealed class LanguageModelTrainingOptionsTests
{
    [Theory]
    [InlineData(0.0, new[] { 0.8, 0.72, 0.4, 0.08 })]    // 0.8·(1 − s/10)
    [InlineData(0.5, new[] { 0.8, 0.8, 0.8, 0.16 })]     // held to step 5, then 0.8·(1 − s/10)/0.5
    [InlineData(1.0, new[] { 0.8, 0.8, 0.8, 0.8 })]      // held to the end
    public void DistillWeightAt_HoldThenLinearFall_GivesTheHandComputedWeights(double hold, double[] expected)
    {
        var options = new LanguageModelTrainingOptions { Steps = 10, DistillWeight = 0.8f, DistillHold = hold };

        int[] steps = [0, 1, 5, 9];

        Assert.Equal(expected, steps.Select(s => Math.Round(options.DistillWeightAt(s), 6)));
        Assert.Equal(0f, (options with { DistillWeight = 0 }).DistillWeightAt(0));
    }

    [Fact]
    public void Validate_HoldOutsideZeroToOne_NamesIt()
    {
        var error = Assert.Throws<ArgumentException>(() => new LanguageModelTrainingOptions { Steps = 10, DistillHold = 1.5 }.Validate());

        Assert.Equal("The distillation hold must lie in [0, 1], found 1.5.", error.Message);
    }
}
