using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FeatureAtlas.Core.Explain.Llm;

/// <summary>
/// A chat-completions client for any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp): at most
/// MaxConcurrency requests in flight, retries with exponential backoff and jitter on 429 (honouring Retry-After),
/// 5xx, timeouts, transport errors and malformed replies; other 4xx fail at once. Replies are cached by the hash of
/// the request body (in memory, and on disk when a cache folder is given), so a resumed job pays nothing twice.
/// </summary>
public sealed class OpenAiCompatibleClient : IDisposable
{
    private readonly LlmClientOptions _options;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<string, string> _memory = new();
    private readonly Uri _endpoint;
    private long _requests, _retries, _hits, _promptTokens, _completionTokens;

    public OpenAiCompatibleClient(LlmClientOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxConcurrency);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries);
        _options = options;
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;   // per attempt, below, so a timeout can be retried
        _slots = new SemaphoreSlim(options.MaxConcurrency);
        var root = options.BaseUrl.AbsoluteUri.TrimEnd('/');
        _endpoint = new Uri(root + "/chat/completions");
        if (options.CacheDirectory is not null) Directory.CreateDirectory(options.CacheDirectory);
    }

    public string Model => _options.Model;

    public LlmUsage Usage => new(Interlocked.Read(ref _requests), Interlocked.Read(ref _retries), Interlocked.Read(ref _hits),
        Interlocked.Read(ref _promptTokens), Interlocked.Read(ref _completionTokens));

    public async Task<ChatCompletion> CompleteAsync(ChatRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = Body(request);
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body))).ToLowerInvariant();
        var cached = await ReadCacheAsync(key, cancellationToken).ConfigureAwait(false);
        if (cached is not null)
        {
            Interlocked.Increment(ref _hits);
            return Parse(cached) with { Cached = true };
        }

        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                TimeSpan? retryAfter = null;
                string failure;
                Exception? inner = null;
                Interlocked.Increment(ref _requests);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.Timeout);
                try
                {
                    using var message = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                    if (!string.IsNullOrEmpty(_options.ApiKey)) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
                    using var response = await _http.SendAsync(message, timeout.Token).ConfigureAwait(false);
                    var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        try
                        {
                            var completion = Parse(text);
                            Interlocked.Add(ref _promptTokens, completion.PromptTokens);
                            Interlocked.Add(ref _completionTokens, completion.CompletionTokens);
                            await WriteCacheAsync(key, text, cancellationToken).ConfigureAwait(false);
                            return completion;
                        }
                        catch (Exception e) when (e is JsonException or InvalidDataException)
                        {
                            failure = $"a malformed reply ({e.Message})";
                            inner = e;
                        }
                    }
                    else
                    {
                        var status = (int)response.StatusCode;
                        failure = $"HTTP {status} {response.ReasonPhrase}";
                        if (status != 429 && status < 500) throw new LlmException($"{_endpoint} refused the request: {failure}: {Snippet(text)}");
                        if (response.Headers.RetryAfter?.Delta is { } delta) retryAfter = delta;
                    }
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = $"no reply within {_options.Timeout.TotalSeconds:G3} s";
                    inner = e;
                }
                catch (HttpRequestException e)
                {
                    failure = $"a transport error ({e.Message})";
                    inner = e;
                }
                if (attempt >= _options.MaxRetries) throw new LlmException($"{_endpoint} failed {attempt + 1} times; last: {failure}.", inner);
                Interlocked.Increment(ref _retries);
                await Task.Delay(Backoff(attempt, retryAfter), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>The request body: only the fields of autointerp-evals.md §6, in a fixed order (it is also the cache key).</summary>
    internal string Body(ChatRequest request)
    {
        var messages = new JsonArray();
        foreach (var m in request.Messages) messages.Add(new JsonObject { ["role"] = m.Role, ["content"] = m.Content });
        var body = new JsonObject
        {
            ["model"] = _options.Model,
            ["messages"] = messages,
            ["temperature"] = request.Temperature,
            ["max_tokens"] = request.MaxTokens,
        };
        if (request.TopLogprobs is { } top)
        {
            body["logprobs"] = true;
            body["top_logprobs"] = top;
        }
        return body.ToJsonString();
    }

    internal static ChatCompletion Parse(string json)
    {
        try
        {
            return ParseUnchecked(json);
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new InvalidDataException($"the reply does not have the chat completion shape ({e.Message})", e);
        }
    }

    private static ChatCompletion ParseUnchecked(string json)
    {
        var root = JsonNode.Parse(json) ?? throw new InvalidDataException("the reply is empty");
        var choice = root["choices"]?.AsArray().FirstOrDefault() ?? throw new InvalidDataException("the reply has no choices");
        var content = choice["message"]?["content"]?.GetValue<string>() ?? throw new InvalidDataException("the reply has no message content");
        List<TokenLogprob>? logprobs = null;
        if (choice["logprobs"]?["content"] is JsonArray tokens)
        {
            logprobs = tokens.Select(t => new TokenLogprob(
                t!["token"]!.GetValue<string>(),
                t["logprob"]!.GetValue<double>(),
                (t["top_logprobs"] as JsonArray)?.Select(a => (a!["token"]!.GetValue<string>(), a["logprob"]!.GetValue<double>())).ToArray() ?? [])).ToList();
        }
        var usage = root["usage"];
        return new ChatCompletion(content, logprobs, usage?["prompt_tokens"]?.GetValue<int>() ?? 0, usage?["completion_tokens"]?.GetValue<int>() ?? 0, Cached: false);
    }

    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var seconds = Math.Min(_options.MaxBackoff.TotalSeconds, _options.InitialBackoff.TotalSeconds * Math.Pow(2, attempt));
        seconds *= 0.8 + 0.4 * Random.Shared.NextDouble();
        if (retryAfter is { } after) seconds = Math.Max(seconds, Math.Min(after.TotalSeconds, _options.MaxBackoff.TotalSeconds));
        return TimeSpan.FromSeconds(seconds);
    }

    private async Task<string?> ReadCacheAsync(string key, CancellationToken cancellationToken)
    {
        if (_memory.TryGetValue(key, out var text)) return text;
        if (_options.CacheDirectory is null) return null;
        var path = Path.Combine(_options.CacheDirectory, key + ".json");
        if (!File.Exists(path)) return null;
        text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        _memory[key] = text;
        return text;
    }

    private async Task WriteCacheAsync(string key, string text, CancellationToken cancellationToken)
    {
        _memory[key] = text;
        if (_options.CacheDirectory is null) return;
        var path = Path.Combine(_options.CacheDirectory, key + ".json");
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllTextAsync(temp, text, cancellationToken).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
    }

    private static string Snippet(string text) => text.Length <= 200 ? text.ReplaceLineEndings(" ") : text[..200].ReplaceLineEndings(" ") + "…";

    public void Dispose()
    {
        _http.Dispose();
        _slots.Dispose();
    }
}
