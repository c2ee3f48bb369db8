namespace FeatureAtlas.Core.Generation;

/// <summary>
/// One generated token: its id, its log-probability under the (steered) model's logits at that step (log-softmax
/// of the raw logits, before frequency penalty and temperature, as OpenAI-style logprobs report), and the most
/// likely alternatives at that step, most likely first.
/// </summary>
public sealed record GeneratedToken(int Token, float Logprob, IReadOnlyList<TokenChoice> Top);
