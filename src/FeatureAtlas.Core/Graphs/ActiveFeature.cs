namespace FeatureAtlas.Core.Graphs;

/// <summary>A transcoder feature active on the prompt: its activation and its encoder pre-activation (its input).</summary>
public readonly record struct ActiveFeature(int Layer, int Position, int Index, float Activation, float PreActivation);
