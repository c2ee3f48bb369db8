namespace FeatureAtlas.Core.Graphs;

/// <summary>
/// One feature to steer on a graph (Neuronpedia's graph steer feature): transcoder feature <see cref="Index"/> of block
/// <see cref="Layer"/>, set to its activation at <see cref="TokenActivePosition"/> plus <see cref="Delta"/>, or to 0 when
/// <see cref="Ablate"/>, at prompt position <see cref="SteerPosition"/> or, with <see cref="SteerGeneratedTokens"/>, at
/// every generated position. Exactly one of Delta and Ablate, and one of SteerPosition and SteerGeneratedTokens.
/// </summary>
public readonly record struct GraphSteerFeature(int Layer, int Index, int TokenActivePosition, int? SteerPosition, bool SteerGeneratedTokens, float? Delta, bool Ablate);
