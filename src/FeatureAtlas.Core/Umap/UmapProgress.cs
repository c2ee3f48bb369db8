namespace FeatureAtlas.Core.Umap;

/// <summary>A UMAP stage ("neighbors", "graph", "init", "epochs") and how far it is, in its own units.</summary>
public readonly record struct UmapProgress(string Stage, int Done, int Total);
