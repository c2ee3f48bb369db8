namespace FeatureAtlas.Core.Storage;

/// <summary>A model as the store knows it: its name (folder name unless given), where it was loaded from, its config.json.</summary>
public sealed record ModelRecord(string Name, string? Path, string ConfigJson, int Layers, int DModel, int Vocab, string? DisplayName = null);
