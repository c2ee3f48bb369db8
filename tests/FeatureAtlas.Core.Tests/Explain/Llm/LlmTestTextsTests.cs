using System.Text.Json.Nodes;
using FeatureAtlas.Core.Explain;
using FeatureAtlas.Core.Explain.Llm;
using FeatureAtlas.Core.Tests.TestSupport;
using Reply = FeatureAtlas.Core.Tests.TestSupport.ScriptedLlmServer.Reply;

namespace FeatureAtlas.Core.Tests.Explain.Llm;

/// <summary>Test texts and the logit-aware prompt against a scripted OpenAI-compatible server on loopback.</summary>
public class LlmTestTextsTests
{
    private static OpenAiCompatibleClient Client(ScriptedLlmServer server) => new(new LlmClientOptions
    {
        BaseUrl = server.BaseUrl, Model = "m", InitialBackoff = TimeSpan.FromMilliseconds(5), MaxBackoff = TimeSpan.FromMilliseconds(10),
    });

    private static string User(JsonObject body) => (string)body["messages"]![1]!["content"]!;

    [Fact]
    public async Task WriteAsync_MalformedThenValid_RetriesWithADifferentRequest()
    {
        await using var server = await ScriptedLlmServer.StartAsync();
        server.Enqueue(Reply.Chat("Here are some texts: The whale swam."), Reply.Chat("""{"activating": ["The whale swam."]}"""),
            Reply.Chat("""{"activating": ["The whale swam.", "A whale!"], "non_activating": ["The car drove."]}"""));
        using var client = Client(server);

        var texts = await TestTexts.WriteAsync(client, "the word whale", perSide: 2, CancellationToken.None);

        Assert.NotNull(texts);
        Assert.Equal(["The whale swam.", "A whale!"], texts.Value.Positive);
        Assert.Equal(["The car drove."], texts.Value.Negative);
        var users = server.Requests.Select(r => User(r.Body)).ToArray();
        Assert.Equal(3, users.Length);
        Assert.Equal(3, users.Distinct().Count());   // each retry differs, so no reply cache can answer it
        Assert.Contains("Explanation: the word whale", users[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_MalformedEveryTime_IsNullAfterThreeAttempts()
    {
        await using var server = await ScriptedLlmServer.StartAsync();
        server.Fallback = _ => Reply.Chat("I cannot do that.");
        using var client = Client(server);

        Assert.Null(await TestTexts.WriteAsync(client, "the word whale", perSide: 2, CancellationToken.None));
        Assert.Equal(TestTexts.LlmAttempts, server.Requests.Count);
    }

    [Fact]
    public async Task ExplainAsync_MaxActLogits_ShowsPeakNextTokenAndTopLogits()
    {
        await using var server = await ScriptedLlmServer.StartAsync();
        server.Enqueue(Reply.Chat("[EXPLANATION]: says \"York\" after \"New\""));
        using var client = Client(server);
        var train = new[] { new ActivationRecord(0, ExampleKind.Top, [1, 2, 3], [0f, 2f, 0f]) };

        var text = await new LlmExplainer(client, t => $" t{t}").ExplainAsync(train, LlmExplainerStyle.MaxActLogits, CancellationToken.None, [9, 8]);

        Assert.Equal("says \"York\" after \"New\"", text);
        Assert.Equal("np_max-act-logits", LlmExplainer.MethodName(LlmExplainerStyle.MaxActLogits));
        var user = User(server.Requests.Single().Body);
        Assert.Contains(" t1<< t2>> t3", user, StringComparison.Ordinal);
        Assert.Contains("Next token:  t3", user, StringComparison.Ordinal);
        Assert.Contains("Top positive logits: \" t9\", \" t8\"", user, StringComparison.Ordinal);
    }
}
