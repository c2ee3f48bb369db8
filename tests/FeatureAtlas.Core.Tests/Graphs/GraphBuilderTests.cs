using FeatureAtlas.Core.Graphs;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Graphs;

/// <summary>
/// The attribution graph of the local replacement model against PyTorch autograd (tests/reference/make_graph_golden.py):
/// a 4-block GPT-2 with a standard, a skip, a JumpReLU and a TopK transcoder, raw and TransformerLens-processed weights.
/// </summary>
public sealed class GraphBuilderTests(GraphModelFixture fixture) : IClassFixture<GraphModelFixture>
{
    [Theory]
    [InlineData("raw")]
    [InlineData("tl")]
    public void Build_AllFeaturesVisited_MatchesAutogradAdjacency(string processing)
    {
        var graph = GraphBuilder.Build(fixture.Load(processing), fixture.LoadTranscoders(), fixture.TokenIds);

        var features = fixture.Golden($"{processing}/features");
        Assert.Equal(features.Length / 5, graph.ActiveFeatures.Count);
        for (var i = 0; i < graph.ActiveFeatures.Count; i++)
        {
            var f = graph.ActiveFeatures[i];
            Assert.Equal(((int)features[i * 5], (int)features[i * 5 + 1], (int)features[i * 5 + 2]), (f.Layer, f.Position, f.Index));
        }
        TestData.AssertClose(Column(features, 5, 3), graph.ActiveFeatures.Select(f => f.Activation).ToArray(), 1e-4, "activations");
        var logits = fixture.Golden($"{processing}/logits");
        Assert.Equal(Column(logits, 3, 0).Select(x => (int)x), graph.Logits.Select(l => l.Token));
        TestData.AssertClose(Column(logits, 3, 1), graph.Logits.Select(l => l.Probability).ToArray(), 1e-4, "logit probabilities");
        Assert.Equal(graph.ActiveFeatures.Count, graph.FeatureNodes);

        TestData.AssertClose(fixture.Golden($"{processing}/adjacency"), graph.Adjacency, 1e-4, "adjacency");
        TestData.AssertClose(fixture.Golden($"{processing}/inputs"), graph.Inputs, 1e-4, "target inputs");
        TestData.AssertClose(fixture.Golden($"{processing}/bias"), graph.BiasInputs, 1e-4, "bias terms");
    }

    [Theory]
    [InlineData("raw")]
    [InlineData("tl")]
    public void Build_EveryTarget_InputIsIncomingEdgesPlusBias(string processing)
    {
        var graph = GraphBuilder.Build(fixture.Load(processing), fixture.LoadTranscoders(), fixture.TokenIds);
        var n = graph.NodeCount;
        var targets = Enumerable.Range(0, graph.FeatureNodes).Concat(Enumerable.Range(graph.LogitStart, graph.Logits.Count));
        foreach (var t in targets)
        {
            double sum = graph.BiasInputs[t];
            for (var s = 0; s < n; s++) sum += graph.Adjacency[(long)t * n + s];
            var input = graph.Inputs[t];
            Assert.True(Math.Abs(sum - input) <= 1e-4 * Math.Max(1, Math.Abs(input)),
                $"node {t}: incoming edges + bias = {sum}, input = {input}");
        }
    }

    [Fact]
    public void Build_FewerFeatureNodesThanActive_VisitsInInfluenceOrder()
    {
        var options = new GraphOptions { MaxFeatureNodes = 40, BatchSize = 8, UpdateInterval = 2 };
        var graph = GraphBuilder.Build(fixture.Load("raw"), fixture.LoadTranscoders(), fixture.TokenIds, options);

        Assert.Equal(fixture.Golden("raw/partial/selected").Select(x => (int)x), graph.SelectedFeatures);
        TestData.AssertClose(fixture.Golden("raw/partial/adjacency"), graph.Adjacency, 1e-4, "partial adjacency");
    }

    [Fact]
    public void Build_ReportsProgressUpToEveryTarget()
    {
        var reports = new List<GraphProgress>();
        var graph = GraphBuilder.Build(fixture.Load("raw"), fixture.LoadTranscoders(), fixture.TokenIds, new GraphOptions { BatchSize = 16 }, new SyncProgress(reports));
        Assert.Equal(graph.FeatureNodes + graph.Logits.Count, reports[^1].Done);
        Assert.Equal(reports[^1].Total, reports[^1].Done);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.Done < p.Second.Done));
    }

    [Fact]
    public void Build_PromptOverLimit_NamesTheLimit()
    {
        var tokens = Enumerable.Repeat(3, GraphOptions.MaxPromptTokens + 1).ToArray();
        var e = Assert.Throws<ArgumentException>(() => GraphBuilder.Build(fixture.Load("raw"), fixture.LoadTranscoders(), tokens));
        Assert.StartsWith($"The prompt has {GraphOptions.MaxPromptTokens + 1} tokens; attribution graphs allow at most {GraphOptions.MaxPromptTokens}.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_TokenOutsideVocabulary_NamesTheToken()
    {
        var e = Assert.Throws<ArgumentException>(() => GraphBuilder.Build(fixture.Load("raw"), fixture.LoadTranscoders(), [1, 37]));
        Assert.StartsWith("Token id 37 is outside the vocabulary (0..36).", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Arrange_MissingAndDuplicateBlocks_NameTheBlocks()
    {
        var model = fixture.Load("raw");
        var all = fixture.LoadTranscoders();
        var missing = Assert.Throws<InvalidDataException>(() => GraphBuilder.Arrange(model.Config, all[..3]));
        Assert.Equal("No transcoder for block(s) 3: a replacement model needs one transcoder per MLP (4 blocks, 3 transcoder(s) given).", missing.Message);
        var twice = Assert.Throws<InvalidDataException>(() => GraphBuilder.Arrange(model.Config, [.. all, all[1]]));
        Assert.Equal("Transcoders 'tc1' and 'tc1' both replace block 1's MLP; give one transcoder per block.", twice.Message);
    }

    [Fact]
    public void Arrange_TranscodersOfAnotherModel_NamesBoth()
    {
        var model = fixture.Load("raw");
        var all = fixture.LoadTranscoders();
        var other = Core.Transcoders.Transcoder.Create(model.Config, "other-gpt2", 3, 20, Core.Sae.SaeArchitecture.Standard, 5, name: "stranger");

        var e = Assert.Throws<InvalidDataException>(() => GraphBuilder.Arrange(model.Config, [.. all[..3], other]));

        Assert.Equal("Transcoders 'tc0' (model_name graph-gpt2) and 'stranger' (model_name other-gpt2) were trained on different models; give one model's transcoders.", e.Message);
    }

    private static float[] Column(float[] table, int width, int column) =>
        Enumerable.Range(0, table.Length / width).Select(r => table[r * width + column]).ToArray();

    private sealed class SyncProgress(List<GraphProgress> reports) : IProgress<GraphProgress>
    {
        public void Report(GraphProgress value) => reports.Add(value);
    }
}
