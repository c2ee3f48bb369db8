using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FeatureAtlas.Core.Tests.TestSupport;

/// <summary>
/// A small OpenAI-compatible server on 127.0.0.1 (Kestrel, port 0) for the LLM client tests: it records every
/// request (body and Authorization header) to POST /v1/chat/completions and answers with the next scripted reply,
/// or, when the script is empty, with what <see cref="Fallback"/> makes of the request.
/// </summary>
internal sealed class ScriptedLlmServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Reply> _script = new();

    private ScriptedLlmServer(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public ConcurrentQueue<(JsonObject Body, string? Authorization)> Requests { get; } = new();

    public Func<JsonObject, Reply>? Fallback { get; set; }

    public static async Task<ScriptedLlmServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new ScriptedLlmServer(app);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address + "/v1");
        return server;
    }

    public void Enqueue(params Reply[] replies)
    {
        foreach (var r in replies) _script.Enqueue(r);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
        Requests.Enqueue((body, context.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null));
        var reply = _script.TryDequeue(out var next) ? next : Fallback?.Invoke(body) ?? Reply.Status(500, "no script");
        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        context.Response.StatusCode = reply.StatusCode;
        if (reply.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString();
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.Body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed record Reply(int StatusCode, string Body, TimeSpan Delay = default, int? RetryAfterSeconds = null)
    {
        public static Reply Status(int status, string body = "{\"error\":{\"message\":\"scripted\"}}", int? retryAfter = null) => new(status, body, RetryAfterSeconds: retryAfter);

        /// <summary>A chat completion with <paramref name="content"/>; logprobs per token as (token, [(candidate, logprob)]).</summary>
        public static Reply Chat(string content, IEnumerable<(string Token, (string, double)[] Top)>? logprobs = null, int promptTokens = 11, int completionTokens = 3, TimeSpan delay = default)
        {
            var choice = new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content }, ["finish_reason"] = "stop" };
            if (logprobs is not null)
            {
                var items = new JsonArray();
                foreach (var (token, top) in logprobs)
                {
                    var alternatives = new JsonArray();
                    foreach (var (t, lp) in top) alternatives.Add(new JsonObject { ["token"] = t, ["logprob"] = lp });
                    items.Add(new JsonObject { ["token"] = token, ["logprob"] = top.Length > 0 ? top[0].Item2 : 0.0, ["top_logprobs"] = alternatives });
                }
                choice["logprobs"] = new JsonObject { ["content"] = items };
            }
            var body = new JsonObject
            {
                ["id"] = "chatcmpl-test", ["object"] = "chat.completion", ["choices"] = new JsonArray(choice),
                ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens },
            };
            return new Reply(200, body.ToJsonString(), delay);
        }
    }
}
