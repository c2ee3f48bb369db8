namespace FeatureAtlas.Core.Dashboards;

/// <summary>One feature's non-zero activations over one corpus window: positions ascending, and their values.</summary>
internal sealed record WindowActivations(int[] Positions, float[] Values);
