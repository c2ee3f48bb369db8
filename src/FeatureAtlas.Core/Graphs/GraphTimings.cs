namespace FeatureAtlas.Core.Graphs;

/// <summary>
/// Where one <see cref="GraphBuilder.Build"/> spent its time, in seconds: the recorded forward pass, transcoder encodes
/// and packing; the backward passes, and within them the GEMMs (skip, W_Oᵀ, W_Vᵀ), the frozen-pattern products and the
/// read-offs (decoder products, error and token dots; the rest is layer norms and seeds); the influence ranking between
/// batches; and packaging the adjacency with its bias terms.
/// </summary>
public sealed record GraphTimings(double Record, double Backward, double Gemm, double Attention, double ReadOff, double Ranking, double Package);
