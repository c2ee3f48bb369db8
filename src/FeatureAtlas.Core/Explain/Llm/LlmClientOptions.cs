namespace FeatureAtlas.Core.Explain.Llm;

/// <summary>
/// Where and how to call an OpenAI-compatible chat endpoint. A class, not a record: a record's generated
/// ToString would print <see cref="ApiKey"/>.
/// </summary>
public sealed class LlmClientOptions
{
    /// <summary>The API root, e.g. <c>https://api.openai.com/v1</c> or <c>http://127.0.0.1:8000/v1</c>; <c>/chat/completions</c> is appended.</summary>
    public required Uri BaseUrl { get; init; }

    public required string Model { get; init; }

    /// <summary>Sent as <c>Authorization: Bearer</c>; never logged or put in an exception message.</summary>
    public string? ApiKey { get; init; }

    public int MaxConcurrency { get; init; } = 4;

    /// <summary>Retries after the first attempt, on 429, 5xx, timeouts, transport errors and malformed replies.</summary>
    public int MaxRetries { get; init; } = 5;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>First backoff; doubles per retry up to <see cref="MaxBackoff"/>, ±20% jitter (OAI's api_client: 1 s, ×2, 10 s).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A folder for cached replies (one file per request body hash); null: in memory only.</summary>
    public string? CacheDirectory { get; init; }

    public override string ToString() => $"{BaseUrl} model {Model}";
}
