namespace FeatureAtlas.Core.Generation;

/// <summary>A token and its log-probability under the model (log-softmax of the raw logits, before penalty and temperature).</summary>
public readonly record struct TokenChoice(int Token, float Logprob);
