using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FeatureAtlas.Core.Explain;
using FeatureAtlas.Core.Explain.Llm;
using FeatureAtlas.Core.Tests.TestSupport;
using Reply = FeatureAtlas.Core.Tests.TestSupport.ScriptedLlmServer.Reply;

namespace FeatureAtlas.Core.Tests.Explain.Llm;

/// <summary>The LLM explainer prompts and the Delphi/OpenAI scorers against a scripted loopback server that reads the prompts it gets.</summary>
public class LlmExplainAndScoreTests
{
    private static string Text(int token) => token == 7 ? " whale" : $" w{token}";

    /// <summary>Windows of 8 tokens; activating ones hold token 7 (activation 4 there), the others none.</summary>
    private static FeatureExamples Examples()
    {
        ActivationRecord Record(int window, bool fires)
        {
            var tokens = Enumerable.Range(0, 8).Select(t => 20 + (window * 8 + t) % 50).ToArray();
            var acts = new float[8];
            if (fires)
            {
                tokens[3] = 7;
                acts[3] = 4;
                acts[4] = 1;
            }
            return new ActivationRecord(window, fires ? ExampleKind.Top : ExampleKind.Random, tokens, acts);
        }
        return new FeatureExamples(3, Enumerable.Range(0, 6).Select(w => Record(w, w % 2 == 0)).ToArray(), Enumerable.Range(10, 10).Select(w => Record(w, w % 2 == 0)).ToArray());
    }

    private static OpenAiCompatibleClient Client(ScriptedLlmServer server) => new(new LlmClientOptions
    {
        BaseUrl = server.BaseUrl, Model = "m", InitialBackoff = TimeSpan.FromMilliseconds(5), MaxBackoff = TimeSpan.FromMilliseconds(10),
    });

    private static string User(JsonObject body) => (string)body["messages"]![1]!["content"]!;

    [Fact]
    public async Task ExplainAsync_DelphiStyle_HighlightsActiveTokensAndParsesTheTaggedLine()
    {
        await using var server = await ScriptedLlmServer.StartAsync();
        server.Enqueue(Reply.Chat("Thinking about it.\n[EXPLANATION]: the word whale."));
        using var client = Client(server);

        var text = await new LlmExplainer(client, Text).ExplainAsync(Examples().Train, LlmExplainerStyle.Delphi, CancellationToken.None);

        Assert.Equal("the word whale", text);
        var user = User(server.Requests.Single().Body);
        Assert.Contains("<< whale>>", user);                  // 1 < 0.3·4: the next token stays unmarked
        Assert.Contains("( whale, 10)", user);
        Assert.Equal(3, Regex.Count(user, "Example \\d"));   // activating train windows only
    }

    [Fact]
    public async Task ExplainAsync_OpenAiStyle_SendsScaledTabLinesAndReadsTheCompletion()
    {
        await using var server = await ScriptedLlmServer.StartAsync();
        server.Enqueue(Reply.Chat(" mentions of whales.\nignored"));
        using var client = Client(server);

        var text = await new LlmExplainer(client, Text).ExplainAsync(Examples().Train, LlmExplainerStyle.OpenAi, CancellationToken.None);

        Assert.Equal("mentions of whales", text);
        var user = User(server.Requests.Single().Body);
        Assert.Contains(" whale\t10\n", user);
        Assert.Contains("\t2\n", user);    // floor(10·1/4)
        Assert.EndsWith("the main thing this neuron does is find", user);
        Assert.DoesNotContain("with all zeros filtered out", user);   // 2 of 8 tokens non-zero: not under 20%
    }

    [Fact]
    public async Task DetectionAsync_ModelThatFindsTheWord_ScoresPerfectWithAurocFromLogprobs()
    {
        await using var server = await ScriptedLlmServer.StartAsync();
        server.Fallback = body =>
        {
            var answers = Regex.Matches(User(body), "Example \\d+: (.*)").Select(m => m.Groups[1].Value.Contains("whale") ? 1 : 0).ToArray();
            var tokens = answers.Select(a => (a.ToString(), new[] { (a.ToString(), -0.1), ((1 - a).ToString(), -2.5) }));
            return Reply.Chat("[" + string.Join(", ", answers) + "]", body.ContainsKey("logprobs") ? tokens : null);
        };
        using var client = Client(server);

        var scores = await new LlmScorer(client, Text, logprobs: true).DetectionAsync("the word whale", Examples(), CancellationToken.None);

        Assert.Equal(new ClassifierScores(1.0, 1.0, 1.0, 10, 0), scores);
        Assert.Equal(2, server.Requests.Count);   // 10 examples, 5 per call
        Assert.All(server.Requests, r => Assert.Equal(5, (int)r.Body["top_logprobs"]!));
    }

    [Fact]
    public async Task FuzzingAsync_GarbledReplies_CountsFailedExamples()
    {
        await using var server = await ScriptedLlmServer.StartAsync();
        server.Enqueue(Reply.Chat("I think [1, 0, 1"), Reply.Chat("[1, 1, 1, 1, 1]"));
        using var client = Client(server);

        var scores = await new LlmScorer(client, Text, logprobs: false).FuzzingAsync("the word whale", Examples(), CancellationToken.None);

        Assert.Equal(5, scores.Failed);
        Assert.Equal(5, scores.Answered);
        Assert.True(double.IsNaN(scores.Auroc));
        Assert.All(server.Requests, r => Assert.Contains("<<", User(r.Body)));   // every fuzzing example is highlighted
    }

    [Fact]
    public async Task SimulationAsync_ExpectedValuesFromLogprobs_CorrelateWithTruth()
    {
        await using var server = await ScriptedLlmServer.StartAsync();
        server.Fallback = body =>
        {
            var lines = Regex.Matches(User(body), "^\\d+\t(.*)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value.Contains("whale") ? 8 : 0).ToArray();
            // At each number: the chosen level with p ≈ 0.9, and "0" or "10" as runner-up.
            var tokens = lines.SelectMany(v => new[] { (v.ToString(), new[] { (v.ToString(), Math.Log(0.9)), (v == 0 ? "10" : "0", Math.Log(0.1)) }), ("\n", Array.Empty<(string, double)>()) });
            return Reply.Chat(string.Join("\n", lines), tokens);
        };
        using var client = Client(server);

        var r = await new LlmScorer(client, Text, logprobs: true).SimulationAsync("the word whale", Examples(), CancellationToken.None);

        // Predictions: 0.9·8 = 7.2 on " whale", 0.1·10 = 1 elsewhere; truth 4 there, 1 on the next token, 0 elsewhere.
        var predicted = new List<double>();
        var truth = new List<double>();
        foreach (var record in Examples().Test)
        {
            for (var t = 0; t < 8; t++)
            {
                predicted.Add(record.Tokens[t] == 7 ? 7.2 : 1.0);
                truth.Add(record.Activations[t]);
            }
        }
        Assert.Equal(ScoreMath.Pearson(predicted.ToArray(), truth.ToArray()), r!.Value, 9);
        Assert.Equal(10, (int)server.Requests.First().Body["top_logprobs"]!);
    }

    [Fact]
    public async Task SimulationAsync_EndpointWithoutLogprobs_ReturnsNull()
    {
        await using var server = await ScriptedLlmServer.StartAsync();
        server.Fallback = _ => Reply.Chat("0\n0");
        using var client = Client(server);

        Assert.Null(await new LlmScorer(client, Text, logprobs: true).SimulationAsync("x", Examples(), CancellationToken.None));
        Assert.Single(server.Requests);
    }
}
