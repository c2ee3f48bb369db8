namespace FeatureAtlas.Core.Umap;

/// <summary>A 2-D embedding [N, 2] and how its layout started ("spectral", or "random: reason").</summary>
public sealed record UmapResult(int Points, float[] Coordinates, string Initialization);
