using System.Collections;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Data.Entities;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// Maps one SAE's <see cref="FeatureDashboard"/>s to rows and back, one row per feature with its examples and
/// intervals in one blob (<see cref="ExampleSetCodec"/>). Writing checks what the schema cannot: feature indexes
/// inside [0, d_sae) and each once, one group per interval, example windows inside the corpus, sparse vectors
/// whose positions and values pair up.
/// </summary>
internal sealed class DashboardRows
{
    private readonly int _saeId;
    private readonly string _sae;
    private readonly int _windows;
    private readonly BitArray _seen;

    public DashboardRows(int saeId, string sae, int dSae, int corpusWindows)
    {
        _saeId = saeId;
        _sae = sae;
        _seen = new BitArray(dSae);
        _windows = corpusWindows;
    }

    public FeatureEntity Feature(FeatureDashboard f)
    {
        ArgumentNullException.ThrowIfNull(f);
        if ((uint)f.Index >= (uint)_seen.Length)
        {
            throw new ArgumentException($"Feature index {f.Index} is outside [0, {_seen.Length}) of SAE {_sae}.", nameof(f));
        }
        if (_seen[f.Index]) throw new ArgumentException($"Feature {f.Index} of SAE {_sae} appears twice in the dashboards.", nameof(f));
        _seen[f.Index] = true;

        var field = $"feature {f.Index} of {_sae}";
        var histogram = StoredHistogram.From(f.ActivationHistogram, $"{field}, activation histogram", (f.MinNonzeroActivation, f.MaxActivation));
        var row = new FeatureEntity
        {
            SaeId = _saeId,
            FeatureIndex = f.Index,
            FracNonzero = f.FracNonzero,
            NonzeroCount = f.NonzeroCount,
            MaxActivation = f.MaxActivation,
            MinNonzeroActivation = f.MinNonzeroActivation,
            HistogramBins = histogram.Bins,
            HistogramMin = histogram.Min,
            HistogramMax = histogram.Max,
            HistogramHeights = histogram.Heights,
            HistogramCentres = histogram.Centres,
            Examples = ExampleSetCodec.Encode(f, _sae, _windows),
            Tables = f.Tables is null ? null : FeatureTablesCodec.Encode(f.Tables, field),
            Analysis = f.Analysis is null ? null : FeatureAnalysisCodec.Encode(f.Analysis),
        };
        if (f.Logits is { } logits)
        {
            if (logits.PositiveTokens.Length != logits.PositiveValues.Length || logits.NegativeTokens.Length != logits.NegativeValues.Length)
            {
                throw new ArgumentException($"{field}: logit tokens and values differ in length.", nameof(f));
            }
            // The extreme logits bound the histogram of all logits, so its range is usually found without searching.
            ReadOnlySpan<(double, double)> ranges = logits.NegativeValues.Length > 0 && logits.PositiveValues.Length > 0
                ? [(logits.NegativeValues[0], logits.PositiveValues[0])]
                : [];
            var logitHistogram = StoredHistogram.From(logits.Histogram, $"{field}, logit histogram", ranges);
            row.LogitPositiveTokens = Blobs.FromInt32s(logits.PositiveTokens);
            row.LogitPositiveValues = Blobs.FromFloat32s(logits.PositiveValues);
            row.LogitNegativeTokens = Blobs.FromInt32s(logits.NegativeTokens);
            row.LogitNegativeValues = Blobs.FromFloat32s(logits.NegativeValues);
            row.LogitHistogramBins = logitHistogram.Bins;
            row.LogitHistogramMin = logitHistogram.Min;
            row.LogitHistogramMax = logitHistogram.Max;
            row.LogitHistogramHeights = logitHistogram.Heights;
            row.LogitHistogramCentres = logitHistogram.Centres;
        }
        return row;
    }

    /// <summary>Rebuilds a dashboard of SAE <paramref name="sae"/>: top examples by rank, interval groups from the highest interval down.</summary>
    public static FeatureDashboard ToDashboard(FeatureEntity f, string sae)
    {
        var field = $"feature {f.FeatureIndex} of {sae}";
        var (top, intervals) = ExampleSetCodec.Decode(f.Examples, sae, f.FeatureIndex);
        LogitTable? logits = null;
        if (f.LogitPositiveTokens is not null)
        {
            var histogram = new StoredHistogram(f.LogitHistogramBins ?? 0, f.LogitHistogramMin ?? 0, f.LogitHistogramMax ?? 0, f.LogitHistogramHeights ?? [], f.LogitHistogramCentres);
            logits = new LogitTable(
                Blobs.ToInt32s(f.LogitPositiveTokens, $"{field}, positive logit tokens"),
                Blobs.ToFloat32s(f.LogitPositiveValues, $"{field}, positive logit values"),
                Blobs.ToInt32s(f.LogitNegativeTokens, $"{field}, negative logit tokens"),
                Blobs.ToFloat32s(f.LogitNegativeValues, $"{field}, negative logit values"),
                histogram.ToHistogram($"{field}, logit histogram"));
        }
        return new FeatureDashboard
        {
            Index = f.FeatureIndex,
            FracNonzero = f.FracNonzero,
            NonzeroCount = f.NonzeroCount,
            MaxActivation = f.MaxActivation,
            MinNonzeroActivation = f.MinNonzeroActivation,
            ActivationHistogram = new StoredHistogram(f.HistogramBins, f.HistogramMin, f.HistogramMax, f.HistogramHeights, f.HistogramCentres)
                .ToHistogram($"{field}, activation histogram"),
            Top = top,
            Intervals = intervals,
            Logits = logits,
            Tables = f.Tables is null ? null : FeatureTablesCodec.Decode(f.Tables, field),
            Analysis = f.Analysis is null ? null : FeatureAnalysisCodec.Decode(f.Analysis, field),
        };
    }
}
