namespace FeatureAtlas.Core.Explain;

/// <summary>The statistics every scorer reports, in one place (double precision, two-pass where it matters).</summary>
public static class ScoreMath
{
    /// <summary>Pearson r of two equal-length series; NaN when either is constant or empty.</summary>
    public static double Pearson(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"{x.Length} values against {y.Length}.", nameof(y));
        if (x.Length == 0) return double.NaN;
        double mx = 0, my = 0;
        for (var i = 0; i < x.Length; i++)
        {
            mx += x[i];
            my += y[i];
        }
        mx /= x.Length;
        my /= y.Length;
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var dx = x[i] - mx;
            var dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>Area under the ROC curve (Mann–Whitney: ties count half); NaN without both classes.</summary>
    public static double Auroc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        if (scores.Count != labels.Count) throw new ArgumentException($"{scores.Count} scores for {labels.Count} labels.", nameof(labels));
        double wins = 0;
        long pairs = 0;
        for (var i = 0; i < scores.Count; i++)
        {
            if (!labels[i]) continue;
            for (var j = 0; j < scores.Count; j++)
            {
                if (labels[j]) continue;
                pairs++;
                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            }
        }
        return pairs == 0 ? double.NaN : wins / pairs;
    }

    /// <summary>(TP/P + TN/N)/2 of predicting positive when score ≥ threshold; NaN without both classes.</summary>
    public static double BalancedAccuracy(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, double threshold)
    {
        int tp = 0, tn = 0, p = 0, n = 0;
        for (var i = 0; i < scores.Count; i++)
        {
            var predicted = scores[i] >= threshold;
            if (labels[i])
            {
                p++;
                if (predicted) tp++;
            }
            else
            {
                n++;
                if (!predicted) tn++;
            }
        }
        return p == 0 || n == 0 ? double.NaN : (tp / (double)p + tn / (double)n) / 2;
    }

    /// <summary>Mean of the values, NaN counted as <paramref name="nanAs"/> (a feature a scorer could not score scores chance, not nothing).</summary>
    public static double Mean(IEnumerable<double> values, double nanAs)
    {
        double sum = 0;
        var count = 0;
        foreach (var v in values)
        {
            sum += double.IsNaN(v) ? nanAs : v;
            count++;
        }
        return count == 0 ? double.NaN : sum / count;
    }
}
