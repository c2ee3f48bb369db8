namespace FeatureAtlas.Core.Storage;

/// <summary>An SAE's stored map as parallel columns: feature indexes [P], x [P], y [P], in index order.</summary>
public sealed record UmapPoints(int[] Indices, float[] X, float[] Y);
