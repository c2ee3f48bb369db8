namespace FeatureAtlas.Core.Storage;

/// <summary>A model with its SAEs (by name) and its stored source sets' descriptions, read together.</summary>
public sealed record ModelSources(ModelRecord Model, IReadOnlyList<SaeRecord> Saes, IReadOnlyDictionary<string, string> SourceSets);
