namespace FeatureAtlas.Core.Storage;

/// <summary>
/// A joint map as parallel columns over its P points: the SAE of each point as a position in <see cref="Saes"/>
/// [P], its feature index [P], x [P] and y [P]; SAE by SAE in the map's order, each in index order.
/// </summary>
public sealed record JointUmapPoints(string Name, IReadOnlyList<string> Saes, int[] Sae, int[] Indices, float[] X, float[] Y);
