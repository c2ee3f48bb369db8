using System.Collections;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Data.Entities;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// Maps one SAE's <see cref="FeatureDashboard"/>s to rows and back. Writing checks what the schema cannot: feature
/// indexes inside [0, d_sae) and each once, one group per interval, example windows inside the corpus, sparse
/// vectors whose positions and values pair up.
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

    public IEnumerable<IntervalEntity> Intervals(FeatureDashboard f)
    {
        for (var i = 0; i < f.Intervals.Count; i++)
        {
            var group = f.Intervals[i];
            if (group.Interval < 0) throw new ArgumentException($"Feature {f.Index} of {_sae}: interval {group.Interval} is negative.", nameof(f));
            for (var j = 0; j < i; j++)
            {
                if (f.Intervals[j].Interval == group.Interval) throw new ArgumentException($"Feature {f.Index} of {_sae}: interval {group.Interval} appears twice.", nameof(f));
            }
            yield return new IntervalEntity
            {
                SaeId = _saeId, FeatureIndex = f.Index, Interval = group.Interval,
                Low = group.Low, High = group.High, ContainsFraction = group.ContainsFraction,
            };
        }
    }

    /// <summary>The top group, then each interval's examples, in the order given.</summary>
    public IEnumerable<ActivationExampleEntity> Examples(FeatureDashboard f)
    {
        for (var r = 0; r < f.Top.Count; r++) yield return Example(f.Index, ActivationExampleEntity.TopGroup, r, f.Top[r]);
        foreach (var group in f.Intervals)
        {
            for (var r = 0; r < group.Examples.Count; r++) yield return Example(f.Index, group.Interval, r, group.Examples[r]);
        }
    }

    /// <summary>Rebuilds a dashboard: top examples by rank, interval groups from the highest interval down.</summary>
    public static FeatureDashboard ToDashboard(FeatureEntity f, IEnumerable<IntervalEntity> intervals, IEnumerable<ActivationExampleEntity> examples)
    {
        var field = $"feature {f.FeatureIndex}";
        var groups = examples.GroupBy(e => e.Group).ToDictionary(g => g.Key, g => g.OrderBy(e => e.Rank).Select(ToExample).ToArray());
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
            Top = groups.GetValueOrDefault(ActivationExampleEntity.TopGroup) ?? [],
            Intervals = intervals.OrderByDescending(i => i.Interval)
                .Select(i => new IntervalExamples(i.Interval, i.Low, i.High, i.ContainsFraction, groups.GetValueOrDefault(i.Interval) ?? []))
                .ToArray(),
            Logits = logits,
        };
    }

    private ActivationExampleEntity Example(int feature, int group, int rank, ActivationExample e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var field = $"feature {feature} of {_sae}, example {rank} of group {group}";
        if (e.Positions.Length != e.Values.Length)
        {
            throw new ArgumentException($"{field}: {e.Positions.Length} positions but {e.Values.Length} values.", nameof(e));
        }
        if ((uint)e.Position > ushort.MaxValue) throw new ArgumentException($"{field}: position {e.Position} is outside [0, 65535].", nameof(e));
        if ((uint)e.Window >= (uint)_windows) throw new ArgumentException($"{field}: window {e.Window} is outside the corpus's {_windows} windows.", nameof(e));
        return new ActivationExampleEntity
        {
            SaeId = _saeId, FeatureIndex = feature, Group = group, Rank = rank,
            WindowIndex = e.Window, Position = e.Position, Value = e.Value,
            Positions = Blobs.FromUInt16s(e.Positions, field),
            Values = Blobs.FromFloat32s(e.Values),
        };
    }

    private static ActivationExample ToExample(ActivationExampleEntity e)
    {
        var field = $"feature {e.FeatureIndex}, example {e.Rank} of group {e.Group}";
        var positions = Blobs.ToUInt16s(e.Positions, $"{field}, positions");
        var values = Blobs.ToFloat32s(e.Values, $"{field}, values");
        if (positions.Length != values.Length) throw new InvalidDataException($"{field}: {positions.Length} positions but {values.Length} values.");
        return new ActivationExample(e.WindowIndex, e.Position, e.Value, positions, values);
    }
}
