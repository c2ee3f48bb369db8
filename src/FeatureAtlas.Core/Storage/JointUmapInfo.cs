namespace FeatureAtlas.Core.Storage;

/// <summary>A joint map of a model: its name, its SAEs in order, how many features it places, and when it was stored.</summary>
public sealed record JointUmapInfo(string Model, string Name, IReadOnlyList<string> Saes, int Points, DateTimeOffset CreatedAt);
