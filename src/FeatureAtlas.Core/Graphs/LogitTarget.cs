namespace FeatureAtlas.Core.Graphs;

/// <summary>A logit node: a likely next token at the last position, its probability and its demeaned logit (its input).</summary>
public readonly record struct LogitTarget(int Token, float Probability, float DemeanedLogit);
