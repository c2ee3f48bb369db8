using FeatureAtlas.Core.Explain.Llm;
using FeatureAtlas.Core.Tests.TestSupport;
using Reply = FeatureAtlas.Core.Tests.TestSupport.ScriptedLlmServer.Reply;

namespace FeatureAtlas.Core.Tests.Explain.Llm;

/// <summary>The chat client against a scripted loopback server: request shape, retries, refusals, timeouts, cache, usage.</summary>
public class OpenAiCompatibleClientTests
{
    private const string Key = "sk-test-secret-123";
    private static readonly ChatRequest Hello = new([ChatMessage.System("sys"), ChatMessage.User("hello")], MaxTokens: 60);

    private static OpenAiCompatibleClient Client(ScriptedLlmServer server, int retries = 5, double timeoutSeconds = 10, string? cache = null) => new(new LlmClientOptions
    {
        BaseUrl = server.BaseUrl, Model = "test-model", ApiKey = Key, MaxRetries = retries, Timeout = TimeSpan.FromSeconds(timeoutSeconds),
        InitialBackoff = TimeSpan.FromMilliseconds(5), MaxBackoff = TimeSpan.FromMilliseconds(20), CacheDirectory = cache,
    });

    [Fact]
    public async Task CompleteAsync_429Then500ThenMalformedJson_RetriesAndReturnsTheReply()
    {
        await using var server = await ScriptedLlmServer.StartAsync();
        server.Enqueue(Reply.Status(429, retryAfter: 0), Reply.Status(500), new Reply(200, "{\"choices\": [ {\"message\": "), new Reply(200, "{\"choices\": []}"), Reply.Chat("a whale", promptTokens: 40, completionTokens: 2));
        using var client = Client(server);

        var reply = await client.CompleteAsync(Hello, CancellationToken.None);

        Assert.Equal("a whale", reply.Content);
        Assert.Null(reply.Logprobs);
        Assert.Equal(new LlmUsage(Requests: 5, Retries: 4, CacheHits: 0, PromptTokens: 40, CompletionTokens: 2), client.Usage);
        var (body, authorization) = server.Requests.First();
        Assert.Equal($"Bearer {Key}", authorization);
        Assert.Equal("test-model", (string)body["model"]!);
        Assert.Equal(60, (int)body["max_tokens"]!);
        Assert.Equal(0.0, (double)body["temperature"]!);
        Assert.Equal(["system", "user"], body["messages"]!.AsArray().Select(m => (string)m!["role"]!));
        Assert.Equal("hello", (string)body["messages"]![1]!["content"]!);
        Assert.False(body.ContainsKey("logprobs"));
    }

    [Fact]
    public async Task CompleteAsync_ReplySlowerThanTimeout_RetriesAfterTheTimeout()
    {
        await using var server = await ScriptedLlmServer.StartAsync();
        // The late reply waits far longer than the timeout, and the timeout is long enough that a slow, shared CI
        // machine still answers the second request within it: only the deliberate delay may trigger a retry.
        server.Enqueue(Reply.Chat("late", delay: TimeSpan.FromMinutes(2)), Reply.Chat("on time"));
        using var client = Client(server, timeoutSeconds: 3);

        Assert.Equal("on time", (await client.CompleteAsync(Hello, CancellationToken.None)).Content);
        Assert.Equal(1, client.Usage.Retries);
    }

    [Fact]
    public async Task CompleteAsync_400_FailsAtOnceWithoutTheKeyInTheMessage()
    {
        await using var server = await ScriptedLlmServer.StartAsync();
        server.Enqueue(Reply.Status(400, "{\"error\":{\"message\":\"bad model\"}}"));
        using var client = Client(server);

        var error = await Assert.ThrowsAsync<LlmException>(() => client.CompleteAsync(Hello, CancellationToken.None));

        Assert.Contains("HTTP 400", error.Message);
        Assert.Contains("bad model", error.Message);
        Assert.DoesNotContain(Key, error.ToString());
        Assert.Equal(1, client.Usage.Requests);
        Assert.DoesNotContain(Key, new LlmClientOptions { BaseUrl = server.BaseUrl, Model = "m", ApiKey = Key }.ToString());
    }

    [Fact]
    public async Task CompleteAsync_AlwaysFailing_GivesUpAfterMaxRetries()
    {
        await using var server = await ScriptedLlmServer.StartAsync();
        server.Fallback = _ => Reply.Status(503);
        using var client = Client(server, retries: 2);

        var error = await Assert.ThrowsAsync<LlmException>(() => client.CompleteAsync(Hello, CancellationToken.None));

        Assert.Contains("failed 3 times", error.Message);
        Assert.Contains("HTTP 503", error.Message);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task CompleteAsync_SameRequestTwice_AnswersTheSecondFromTheCacheAcrossClients()
    {
        await using var server = await ScriptedLlmServer.StartAsync();
        server.Fallback = _ => Reply.Chat("cached answer");
        using var folder = new TemporaryDirectory();
        using (var client = Client(server, cache: folder.Path))
        {
            await client.CompleteAsync(Hello, CancellationToken.None);
            Assert.True((await client.CompleteAsync(Hello, CancellationToken.None)).Cached);
            Assert.Equal(1, client.Usage.CacheHits);
        }
        using var resumed = Client(server, cache: folder.Path);
        Assert.Equal("cached answer", (await resumed.CompleteAsync(Hello, CancellationToken.None)).Content);
        Assert.Single(server.Requests);
        await resumed.CompleteAsync(Hello with { MaxTokens = 61 }, CancellationToken.None);
        Assert.Equal(2, server.Requests.Count);
    }
}
