using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// The feature's direct effect on the logits, ℓ = d_f · W_U with d_f the unit-norm decoder row taken to the
/// residual stream (no final layer norm): the top and bottom token ids with their values, and a histogram of
/// all V entries.
/// </summary>
public sealed record LogitTable(int[] PositiveTokens, float[] PositiveValues, int[] NegativeTokens, float[] NegativeValues, Histogram Histogram);
