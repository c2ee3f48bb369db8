using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Model;

/// <summary>
/// The parameter gradients of <see cref="Gpt2Model.Backward"/> beyond the tied golden (LanguageModelTrainerGoldenTests):
/// untying the unembedding splits wte's gradient into wte's embedding part and W_U's, which must add back to the tied one.
/// </summary>
public sealed class Gpt2ParameterGradientTests(BackwardModelFixture fixture) : IClassFixture<BackwardModelFixture>
{
    [Fact]
    public void BackwardFromLogits_UntiedUnembedding_SplitsTheTiedWteGradient()
    {
        var tied = fixture.Load("raw");
        var untiedWeights = fixture.Load("raw").Weights;
        untiedWeights.WU = untiedWeights.UntiedWU();
        var untied = Gpt2Model.FromWeights(untiedWeights);
        var g = fixture.MetricWeights;
        int v = tied.Config.Vocab, d = tied.Config.DModel;

        var tiedGradients = tied.Weights.ZerosLike();
        tied.BackwardFromLogits(tied.Record(fixture.TokenIds), g, parameterGradients: tiedGradients);
        var untiedGradients = untied.Weights.ZerosLike();
        untied.BackwardFromLogits(untied.Record(fixture.TokenIds), g, parameterGradients: untiedGradients);

        Assert.NotNull(untiedGradients.WU);
        var recombined = new float[v * d];
        for (var token = 0; token < v; token++)
        {
            for (var i = 0; i < d; i++) recombined[token * d + i] = untiedGradients.WE[token * d + i] + untiedGradients.WU[i * v + token];
        }
        SaeTrainerGoldenTestsProxy.AssertClose(tiedGradients.WE, recombined, 1e-5, "wte gradient = embedding part + W_Uᵀ part");
        SaeTrainerGoldenTestsProxy.AssertClose(tiedGradients.Layers[2].WOut, untiedGradients.Layers[2].WOut, 1e-6, "W_out unchanged by untying");
        Assert.Contains(untiedGradients.WU, x => x != 0);
    }

    [Fact]
    public void Backward_GradientsOfAnotherShape_AreRefused()
    {
        var model = fixture.Load("raw");
        var tape = model.Record(fixture.TokenIds);
        var other = model.Weights.ZerosLike();
        other.WU = new float[model.Config.DModel * model.Config.Vocab];

        var error = Assert.Throws<ArgumentException>(() => model.BackwardFromLogits(tape, fixture.MetricWeights, parameterGradients: other));
        Assert.Contains("tied", error.Message);
        Assert.All(other.WU, x => Assert.Equal(0f, x));   // refused before anything was added
    }

    private static class SaeTrainerGoldenTestsProxy
    {
        public static void AssertClose(float[] expected, float[] actual, double tolerance, string what) =>
            Training.SaeTrainerGoldenTests.AssertClose(expected, actual, tolerance, what);
    }
}
