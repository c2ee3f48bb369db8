namespace FeatureAtlas.Data.Entities;

/// <summary>
/// A natural-language explanation of a feature (table <c>explanations</c>), by a person or an explainer model.
/// It refers to the feature by (SAE, index), not to a <see cref="FeatureEntity"/> row, so it outlives a rebuild
/// of the dashboards.
/// </summary>
public sealed class ExplanationEntity
{
    public int Id { get; set; }

    public int SaeId { get; set; }

    public int FeatureIndex { get; set; }

    public required string Text { get; set; }

    /// <summary>How it was made, e.g. <c>manual</c>, <c>oai_token-act-pair</c>.</summary>
    public required string Method { get; set; }

    /// <summary>The user who wrote or requested it; null for imported or machine explanations.</summary>
    public int? AuthorId { get; set; }

    /// <summary>The explainer model, when a model wrote it.</summary>
    public string? ModelName { get; set; }

    /// <summary>Evaluation scores as JSON (e.g. detection, fuzzing), null until scored.</summary>
    public string? ScoresJson { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
