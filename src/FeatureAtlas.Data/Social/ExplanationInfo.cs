namespace FeatureAtlas.Data.Social;

/// <summary>An explanation as shown: text, how it was made, its scores (JSON object or null) and vote total.</summary>
public sealed record ExplanationInfo(
    int Id, FeatureKey Feature, string Text, string Method, string? ModelName, string? AuthorName, string? ScoresJson,
    int Votes, DateTimeOffset CreatedAt);
