namespace FeatureAtlas.Core.Graphs;

/// <summary>Backward passes done: targets (logits, then features) whose incoming edges are computed, of all to visit.</summary>
public readonly record struct GraphProgress(int Done, int Total);
