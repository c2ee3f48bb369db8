using System.Text.Json.Serialization;
using FeatureAtlas.Core.Dashboards;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// A feature's analysis (docs/dashboards.md, "Feature analysis"): the most enriched token sets among its logits, the
/// prefix test and the induction test; each null when not computed.
/// </summary>
public sealed record FeatureAnalysisDto(
    [property: JsonPropertyName("token_set_enrichment")] SetEnrichmentDto[]? TokenSetEnrichment,
    [property: JsonPropertyName("prefix_test")] PrefixTestDto? PrefixTest,
    [property: JsonPropertyName("induction_test")] InductionTestDto? InductionTest)
{
    public static FeatureAnalysisDto From(FeatureAnalysis a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new(
            a.Enrichment?.Select(e => new SetEnrichmentDto(e.Name, e.Members, e.Auc, e.Z, e.NegLog10P, e.Predicts)).ToArray(),
            a.Prefix is { } p ? new PrefixTestDto(p.ContextLengths, p.MeanRatio, p.MeanActivation, p.Examples) : null,
            a.Induction is { } i ? new InductionTestDto(i.Sequences, i.Length, i.FirstCopyMax, i.SecondCopyMax, i.SecondOnlyShare) : null);
    }
}

/// <summary>One token set: members, AUC = U/(n₁n₀), the z-score and −log10 p of the one-sided Mann–Whitney test, and whether the feature predicts it.</summary>
public sealed record SetEnrichmentDto(
    [property: JsonPropertyName("set")] string Name,
    [property: JsonPropertyName("members")] int Members,
    [property: JsonPropertyName("auc")] double Auc,
    [property: JsonPropertyName("z")] double Z,
    [property: JsonPropertyName("neg_log10_p")] double NegLog10P,
    [property: JsonPropertyName("predicts")] bool Predicts);

/// <summary>Context lengths k (0 = whole context) with the mean share of the top activation kept and the mean activation.</summary>
public sealed record PrefixTestDto(
    [property: JsonPropertyName("context_lengths")] int[] ContextLengths,
    [property: JsonPropertyName("mean_ratio")] float[] MeanRatio,
    [property: JsonPropertyName("mean_activation")] float[] MeanActivation,
    [property: JsonPropertyName("examples")] int Examples);

/// <summary>Mean largest activation on the first and second copy of repeated random sequences, and the share firing on the second only.</summary>
public sealed record InductionTestDto(
    [property: JsonPropertyName("sequences")] int Sequences,
    [property: JsonPropertyName("length")] int Length,
    [property: JsonPropertyName("first_copy_max")] float FirstCopyMax,
    [property: JsonPropertyName("second_copy_max")] float SecondCopyMax,
    [property: JsonPropertyName("second_only_share")] float SecondOnlyShare);
