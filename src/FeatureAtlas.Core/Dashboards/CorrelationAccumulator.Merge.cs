namespace FeatureAtlas.Core.Dashboards;

public sealed partial class CorrelationAccumulator
{
    /// <summary>
    /// Adds <paramref name="other"/>'s sums (a shard of the same corpus, disjoint windows) to these. Sums are
    /// associative only up to rounding: the merged tables equal a single pass's to float precision (~1e-7 relative),
    /// not bit for bit, unlike <see cref="FeatureAccumulator.Merge"/>.
    /// </summary>
    public void Merge(CorrelationAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Features != Features || other.Inputs != Inputs)
        {
            throw new ArgumentException($"Cannot merge correlations of {other.Features} × {other.Inputs} into {Features} × {Inputs}.", nameof(other));
        }
        if (other.HasFeatureCorrelations != HasFeatureCorrelations) throw new ArgumentException("Cannot merge correlations built with different options.", nameof(other));
        Add(_featureSum, other._featureSum);
        Add(_featureSquares, other._featureSquares);
        Add(_neuronSum, other._neuronSum);
        Add(_neuronSquares, other._neuronSquares);
        Add(_cross, other._cross);
        if (_pairs is not null)
        {
            var theirs = other._pairs!;
            for (long i = 0; i < _pairs.LongLength; i++) _pairs[i] += theirs[i];
        }
        Positions += other.Positions;
    }

    private static void Add(double[] mine, double[] theirs)
    {
        for (long i = 0; i < mine.LongLength; i++) mine[i] += theirs[i];
    }
}
