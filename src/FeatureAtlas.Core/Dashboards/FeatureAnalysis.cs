namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// What the analysis job adds to a feature's dashboard (docs/dashboards.md, "Feature analysis"): the token sets most
/// enriched among its logits, how its top activations depend on context length, and whether it fires on the second copy
/// of a repeated random sequence. Each part is null when it was not computed (no logit table, no model).
/// </summary>
public sealed record FeatureAnalysis
{
    /// <summary>The most enriched token sets, most significant first.</summary>
    public IReadOnlyList<SetEnrichment>? Enrichment { get; init; }

    public PrefixTest? Prefix { get; init; }

    public InductionTest? Induction { get; init; }
}

/// <summary>
/// One token set's enrichment among a feature's logits: the one-sided Mann–Whitney test of members above non-members,
/// <see cref="Auc"/> = U/(n₁n₀) and −log10 p; <see cref="Predicts"/> when it passes the SAE summary's thresholds.
/// </summary>
public sealed record SetEnrichment(string Name, int Members, double Auc, double Z, double NegLog10P, bool Predicts);

/// <summary>
/// The short/long prefix test: the feature's top examples rerun with the context cut to the last k tokens before and
/// including the maximum (BOS first), k ∈ <see cref="ContextLengths"/> (0 = the whole context). <see cref="MeanRatio"/>[i]
/// is the mean over examples of max(a_k, 0)/a, a the example's activation; <see cref="MeanActivation"/>[i] the mean a_k.
/// </summary>
public sealed record PrefixTest(int[] ContextLengths, float[] MeanRatio, float[] MeanActivation, int Examples);

/// <summary>
/// The induction test: <see cref="Sequences"/> seeded random sequences of <see cref="Length"/> tokens, each repeated
/// once after BOS. <see cref="FirstCopyMax"/> and <see cref="SecondCopyMax"/> are the means over sequences of the
/// feature's largest activation on each copy; <see cref="SecondOnlyShare"/> the share of sequences where it fires on the
/// second copy and not on the first.
/// </summary>
public sealed record InductionTest(int Sequences, int Length, float FirstCopyMax, float SecondCopyMax, float SecondOnlyShare);
