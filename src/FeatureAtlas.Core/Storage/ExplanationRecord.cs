using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Core.Storage;

/// <summary>
/// An explanation of feature <see cref="FeatureIndex"/>: text, how it was made (<see cref="Method"/>, e.g.
/// <c>atlas_token-stats</c>, <c>oai_token-act-pair</c>, <c>manual</c>), the explainer model when one wrote it, its
/// scores as JSON (an object or null), when it was made, and its author (<see cref="AuthorId"/> null for machine
/// explanations). A job builds one with the positional fields and saves it under an SAE; what the store reads back
/// also carries its <see cref="Id"/>, <see cref="Model"/> and <see cref="Sae"/>, and, from the reads that rank
/// explanations for people, the author's name and the vote total.
/// </summary>
public sealed record ExplanationRecord(int FeatureIndex, string Text, string Method, string? ModelName, string? ScoresJson, DateTimeOffset CreatedAt, int? AuthorId = null)
{
    /// <summary>The store's id; 0 in one not yet stored.</summary>
    public int Id { get; init; }

    /// <summary>The model of the explained feature; empty in one not yet stored (a save names it for the batch).</summary>
    public string Model { get; init; } = "";

    /// <summary>The SAE of the explained feature; empty in one not yet stored.</summary>
    public string Sae { get; init; } = "";

    /// <summary>The author's user name; null for machine explanations.</summary>
    public string? AuthorName { get; init; }

    /// <summary>The sum of people's votes (+1 or −1 each).</summary>
    public int Votes { get; init; }

    /// <summary>The explained feature.</summary>
    public FeatureKey Feature => new(Model, Sae, FeatureIndex);
}
