namespace FeatureAtlas.Core.Explain.Llm;

/// <summary>What a client has spent so far: requests sent (retries included), replies from the cache, tokens.</summary>
public readonly record struct LlmUsage(long Requests, long Retries, long CacheHits, long PromptTokens, long CompletionTokens);
