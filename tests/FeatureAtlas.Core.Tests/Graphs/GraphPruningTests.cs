using FeatureAtlas.Core.Graphs;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Graphs;

/// <summary>Pruning against circuit-tracer's prune_graph restated in the PyTorch reference, on the golden adjacency.</summary>
public sealed class GraphPruningTests(GraphModelFixture fixture) : IClassFixture<GraphModelFixture>
{
    [Theory]
    [InlineData(0.8, 0.98)]
    [InlineData(0.6, 0.9)]
    public void Prune_GoldenAdjacency_KeepsWhatTheDefinitionKeeps(double nodeThreshold, double edgeThreshold)
    {
        var graph = GoldenGraph();
        var result = GraphPruning.Prune(graph, nodeThreshold, edgeThreshold);

        var key = FormattableString.Invariant($"raw/prune/{nodeThreshold}_{edgeThreshold}");
        Assert.Equal(fixture.Golden(key + "/nodes").Select(x => x != 0), result.NodeMask);
        var edges = fixture.Golden(key + "/edges");
        var differing = Enumerable.Range(0, edges.Length).Where(i => (edges[i] != 0) != result.EdgeMask[i]).ToArray();
        Assert.True(differing.Length == 0, $"{differing.Length} edge(s) differ, first at {differing.FirstOrDefault()}");
        TestData.AssertClose(fixture.Golden(key + "/scores"), result.CumulativeScores.Select(x => (float)x).ToArray(), 1e-5, "cumulative influence");
        // Token and logit nodes are always kept.
        Assert.All(Enumerable.Range(graph.TokenStart, graph.NodeCount - graph.TokenStart), i => Assert.True(result.NodeMask[i]));
    }

    [Fact]
    public void Prune_ThresholdOutsideUnitInterval_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GraphPruning.Prune(GoldenGraph(), 1.5));
        Assert.StartsWith("node threshold must be in [0, 1], found 1.5.", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The reference's graph (adjacency, features, logits) without running the C# engine.</summary>
    private AttributionGraph GoldenGraph()
    {
        var features = fixture.Golden("raw/features");
        var logits = fixture.Golden("raw/logits");
        var n = features.Length / 5;
        return new AttributionGraph
        {
            Tokens = fixture.TokenIds,
            Layers = 4,
            ActiveFeatures = Enumerable.Range(0, n).Select(i => new ActiveFeature((int)features[i * 5], (int)features[i * 5 + 1], (int)features[i * 5 + 2], features[i * 5 + 3], features[i * 5 + 4])).ToArray(),
            SelectedFeatures = Enumerable.Range(0, n).ToArray(),
            Logits = Enumerable.Range(0, logits.Length / 3).Select(i => new LogitTarget((int)logits[i * 3], logits[i * 3 + 1], logits[i * 3 + 2])).ToArray(),
            Adjacency = fixture.Golden("raw/adjacency"),
            Inputs = fixture.Golden("raw/inputs"),
            BiasInputs = fixture.Golden("raw/bias"),
        };
    }
}
