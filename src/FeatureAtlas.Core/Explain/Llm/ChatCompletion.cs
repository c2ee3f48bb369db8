namespace FeatureAtlas.Core.Explain.Llm;

/// <summary>A reply: the first choice's text, its token log-probabilities when asked for and returned (else null), and the token usage.</summary>
public sealed record ChatCompletion(string Content, IReadOnlyList<TokenLogprob>? Logprobs, int PromptTokens, int CompletionTokens, bool Cached);
