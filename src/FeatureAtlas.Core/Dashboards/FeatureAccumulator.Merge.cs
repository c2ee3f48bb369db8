namespace FeatureAtlas.Core.Dashboards;

public sealed partial class FeatureAccumulator
{
    /// <summary>
    /// Adds everything <paramref name="other"/> saw, as if its windows had been added here: the result equals one
    /// accumulator fed both sets of windows, exactly. Each part of the state is a function of the multiset of
    /// activations that the union preserves: counts and histogram bins add once both sides are brought to the same
    /// T (pairwise bin merges are exact), max and min combine, the top-k under the total order (value, then
    /// window, then position) of a union is the top-k of the two top-ks, and each stratum's s smallest sampling
    /// keys of a union are the s smallest of the two sides' s smallest. The windows of the two must be disjoint
    /// (shards of a corpus); <paramref name="other"/> is consumed (its states are moved here, not copied).
    /// </summary>
    public void Merge(FeatureAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Features != Features) throw new ArgumentException($"Cannot merge an accumulator of {other.Features} features into one of {Features}.", nameof(other));
        if (other._options != _options) throw new ArgumentException("Cannot merge accumulators built with different dashboard options.", nameof(other));
        for (var f = 0; f < Features; f++)
        {
            var theirs = other._states[f];
            if (theirs is null) continue;
            var mine = _states[f];
            if (mine is null) _states[f] = theirs;
            else mine.Absorb(theirs);
            other._states[f] = null;
        }
        TotalTokens += other.TotalTokens;
        Windows += other.Windows;
        other.TotalTokens = 0;
        other.Windows = 0;
    }

    /// <summary>Forgets everything added or merged, as if new (a worker reuses one accumulator for its next shard).</summary>
    public void Reset()
    {
        Array.Clear(_states);
        TotalTokens = 0;
        Windows = 0;
    }

    private sealed partial class FeatureState
    {
        /// <summary>Takes in <paramref name="other"/>'s activations (see <see cref="Merge"/>); <paramref name="other"/> may be doubled.</summary>
        public void Absorb(FeatureState other)
        {
            while (Exponent < other.Exponent) Double();
            while (other.Exponent < Exponent) other.Double();
            Count += other.Count;
            if (other.Max > Max) Max = other.Max;
            if (other.Min < Min) Min = other.Min;
            for (var j = 0; j < FineBins; j++) Fine[j] += other.Fine[j];
            for (var i = 0; i < other.TopCount; i++)
            {
                var entry = other.Top[i];
                if (AdmitsTop(entry.Value, entry.Window, entry.Position)) InsertTop(entry);
            }
            var s = other.SamplesPerStratum;
            for (var stratum = 0; stratum < SampleStrata; stratum++)
            {
                for (var k = 0; k < other.SampleCounts[stratum]; k++)
                {
                    var entry = other.Samples[stratum * s + k];
                    if (AdmitsSample(stratum, entry.Key)) InsertSample(stratum, entry);
                }
            }
        }
    }
}
