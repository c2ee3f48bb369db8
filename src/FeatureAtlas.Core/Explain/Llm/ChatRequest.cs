namespace FeatureAtlas.Core.Explain.Llm;

/// <summary>The fields of a chat completion request these tools send (autointerp-evals.md §6).</summary>
public sealed record ChatRequest(IReadOnlyList<ChatMessage> Messages, int MaxTokens, double Temperature = 0, int? TopLogprobs = null);
