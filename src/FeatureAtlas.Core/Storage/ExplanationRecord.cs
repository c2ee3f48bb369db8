namespace FeatureAtlas.Core.Storage;

/// <summary>
/// An explanation of feature <see cref="FeatureIndex"/> as the store keeps it: text, how it was made
/// (<see cref="Method"/>, e.g. <c>atlas_token-stats</c>, <c>oai_token-act-pair</c>), the explainer model when one
/// wrote it, its scores as JSON, and when it was made. <see cref="AuthorId"/> is null for machine explanations.
/// </summary>
public sealed record ExplanationRecord(int FeatureIndex, string Text, string Method, string? ModelName, string? ScoresJson, DateTimeOffset CreatedAt, int? AuthorId = null);
