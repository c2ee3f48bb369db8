using System.Text.Json.Nodes;
using FeatureAtlas.Core.Graphs;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Graphs;

/// <summary>
/// Graph steering against an independent PyTorch forward (tests/reference/make_graph_steer_golden.py): the 4-block
/// synthetic GPT-2 and transcoders of the graph goldens, an ablated feature, a raised one and one steered on every
/// generated token, with attention frozen and not; greedy tokens and top-5 probabilities per step within 1e-4.
/// </summary>
public sealed class GraphSteeringTests(GraphModelFixture fixture) : IClassFixture<GraphModelFixture>
{
    private static readonly JsonObject Golden = (JsonObject)JsonNode.Parse(File.ReadAllText(global::FeatureAtlas.TestSupport.Golden.Path("graph_steer_golden.json")))!;

    [Theory]
    [InlineData("frozen")]
    [InlineData("unfrozen")]
    public void Run_SteeredFeatures_MatchPyTorch(string name)
    {
        var expected = Golden["cases"]![name]!.AsObject();
        var options = new GraphSteerOptions { NewTokens = (int)Golden["n_tokens"]!, TopK = (int)Golden["top_k"]!, FreezeAttention = (bool)expected["freeze_attention"]! };

        var result = GraphSteering.Run(fixture.Load("raw"), fixture.LoadTranscoders(), Prompt(), Features(), options);

        Assert.Equal(Ints(expected["default_tokens"]!), result.DefaultTokens);
        Assert.Equal(Ints(expected["steered_tokens"]!), result.SteeredTokens);
        AssertTop(expected["default_top"]!.AsArray(), result.DefaultTop, "default");
        AssertTop(expected["steered_top"]!.AsArray(), result.SteeredTop, "steered");
    }

    [Fact]
    public void Run_NoFeatures_SteeredEqualsDefault()
    {
        var result = GraphSteering.Run(fixture.Load("raw"), fixture.LoadTranscoders(), Prompt(), [], new GraphSteerOptions { NewTokens = 3 });

        Assert.Equal(result.DefaultTokens, result.SteeredTokens);
        Assert.Equal(4, result.SteeredTop.Count);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(result.DefaultTop[i].Select(c => c.Token), result.SteeredTop[i].Select(c => c.Token));
            // Equal up to float rounding, not bit for bit: the two runs' buffers lie at different addresses, and on
            // AVX-512 machines a vectorised sum's order follows alignment (the last bit of a logprob moved).
            for (var j = 0; j < result.DefaultTop[i].Length; j++) Assert.Equal(result.DefaultTop[i][j].Logprob, result.SteeredTop[i][j].Logprob, 1e-5f);
        }
    }

    [Theory]
    [InlineData(9, 0, 0, 0, false, 1f, false, "features[0].layer is 9; the model has blocks 0..3.")]
    [InlineData(1, 20, 0, 0, false, 1f, false, "features[0].index is 20; the transcoder of block 1 has features 0..19.")]
    [InlineData(1, 3, 7, 0, false, 1f, false, "features[0].token_active_position is 7; the prompt has positions 0..6.")]
    [InlineData(1, 3, 0, 0, false, 1f, true, "features[0]: give delta or ablate: true, not both.")]
    [InlineData(1, 3, 0, 0, false, null, false, "features[0]: give delta or ablate: true, not neither.")]
    [InlineData(1, 3, 0, 2, true, 1f, false, "features[0]: give steer_position or steer_generated_tokens: true, not both.")]
    [InlineData(1, 3, 0, null, false, 1f, false, "features[0]: give steer_position or steer_generated_tokens: true, not neither.")]
    [InlineData(1, 3, 0, -1, false, 1f, false, "features[0].steer_position is -1; the prompt has positions 0..6.")]
    public void Run_BadFeature_NamesTheField(int layer, int index, int active, int? position, bool generated, float? delta, bool ablate, string message)
    {
        var feature = new GraphSteerFeature(layer, index, active, position, generated, delta, ablate);
        var e = Assert.Throws<ArgumentException>(() => GraphSteering.Run(fixture.Load("raw"), fixture.LoadTranscoders(), Prompt(), [feature], new GraphSteerOptions { NewTokens = 3 }));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Run_PromptAndNewTokensPastContext_NamesBoth()
    {
        var e = Assert.Throws<ArgumentException>(() => GraphSteering.Run(fixture.Load("raw"), fixture.LoadTranscoders(), Prompt(), [], new GraphSteerOptions { NewTokens = 10 }));
        Assert.StartsWith("The prompt's 7 tokens and 10 new tokens exceed the model's n_positions 16.", e.Message, StringComparison.Ordinal);
    }

    private static int[] Prompt() => Ints(Golden["prompt"]!);

    private static GraphSteerFeature[] Features() => Golden["features"]!.AsArray().Select(f => new GraphSteerFeature(
        (int)f!["layer"]!, (int)f["index"]!, (int)f["token_active_position"]!, (int?)f["steer_position"], (bool)f["steer_generated_tokens"]!,
        (float?)(double?)f["delta"], (bool)f["ablate"]!)).ToArray();

    private static int[] Ints(JsonNode node) => node.AsArray().Select(x => (int)x!).ToArray();

    private static void AssertTop(JsonArray expected, IReadOnlyList<Core.Generation.TokenChoice[]> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var step = 0; step < expected.Count; step++)
        {
            var row = expected[step]!.AsArray();
            Assert.Equal(row.Count, actual[step].Length);
            for (var j = 0; j < row.Count; j++)
            {
                Assert.Equal((int)row[j]![0]!, actual[step][j].Token);
                var p = (double)row[j]![1]!;
                Assert.True(Math.Abs(Math.Exp(actual[step][j].Logprob) - p) <= 1e-4, $"{what} step {step} rank {j}: probability {Math.Exp(actual[step][j].Logprob)}, PyTorch {p}");
            }
        }
    }
}
