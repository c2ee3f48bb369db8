namespace FeatureAtlas.Core.Explain.Llm;

/// <summary>One generated token's log-probability and its top alternatives (<c>choices[0].logprobs.content[i]</c>).</summary>
public sealed record TokenLogprob(string Token, double Logprob, IReadOnlyList<(string Token, double Logprob)> Top);
