using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Evals;

/// <summary>The replacement-model eval against PyTorch (make_graph_golden.py, raw/eval) on the 4-block graph model.</summary>
public sealed class ReplacementModelEvaluatorTests(GraphModelFixture fixture) : IClassFixture<GraphModelFixture>
{
    [Fact]
    public void Finish_TwoWindows_MatchesPyTorch()
    {
        var evaluator = new ReplacementModelEvaluator(fixture.Load("raw"), fixture.LoadTranscoders());
        evaluator.Add([0, 5, 36, 12, 7, 5, 21, 3, 8, 1, 30, 22, 9, 14], batch: 2);
        var result = evaluator.Finish();

        var golden = fixture.Golden("raw/eval");
        double[] got = [result.CeLossClean, result.CeLossReplacement, result.CeLossMlpAblation, result.CeLossRecovered, result.KlDivergence, result.KlDivergenceMlpAblation, .. result.L0, .. result.NormalizedMse];
        Assert.Equal(golden.Length, got.Length);
        string[] names = ["CE clean", "CE replaced", "CE ablated", "CE recovered", "KL", "KL ablated", "L0 0", "L0 1", "L0 2", "L0 3", "NMSE 0", "NMSE 1", "NMSE 2", "NMSE 3"];
        for (var i = 0; i < got.Length; i++)
        {
            Assert.True(Math.Abs(got[i] - golden[i]) <= 1e-4 * Math.Max(1, Math.Abs(golden[i])), $"{names[i]}: {got[i]}, expected {golden[i]}");
        }
        Assert.Equal(14, result.Tokens);
        Assert.Equal(12, result.Positions);
    }
}
