namespace FeatureAtlas.Data.Social;

/// <summary>An explanation as shown: text, how it was made, its scores (JSON object or null), vote total and author (null: made by a job).</summary>
public sealed record ExplanationInfo(
    int Id, FeatureKey Feature, string Text, string Method, string? ModelName, string? AuthorName, string? ScoresJson,
    int Votes, DateTimeOffset CreatedAt, int? AuthorId = null);
