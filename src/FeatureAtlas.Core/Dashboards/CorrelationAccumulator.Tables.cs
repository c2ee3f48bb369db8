namespace FeatureAtlas.Core.Dashboards;

public sealed partial class CorrelationAccumulator
{
    /// <summary>
    /// The feature tables of every feature: neuron alignment from <paramref name="foldedDecoder"/> [S, D] (the
    /// unit-norm W_dec) and, from the sums, the <paramref name="rows"/> inputs and features of largest Pearson
    /// correlation (ties to the lower index) with their cosines. A feature that never fired, or a constant input,
    /// has no correlation and is left out.
    /// </summary>
    public FeatureTables[] Build(ReadOnlySpan<float> foldedDecoder, int rows)
    {
        var s = Features;
        var d = Inputs;
        if (foldedDecoder.Length != (long)s * d) throw new ArgumentException($"The decoder needs [{s}, {d}] values, found {foldedDecoder.Length}.", nameof(foldedDecoder));
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        double n = Positions;
        var featureSpread = Spread(_featureSum, _featureSquares, n);
        var neuronSpread = Spread(_neuronSum, _neuronSquares, n);

        var pairTops = _pairs is null ? null : FeaturePairTops(featureSpread, rows);
        var tables = new FeatureTables[s];
        var decoder = foldedDecoder.ToArray();
        Parallel.For(0, s, f =>
        {
            var (alignIndices, alignValues, alignL1) = NeuronAlignment(decoder.AsSpan(f * d, d), rows);
            var neurons = new TopList(rows);
            if (featureSpread[f] > 0)
            {
                var cross = _cross.AsSpan((int)((long)f * d), d);
                for (var k = 0; k < d; k++)
                {
                    if (neuronSpread[k] > 0) neurons.Offer((n * cross[k] - _featureSum[f] * _neuronSum[k]) / (featureSpread[f] * neuronSpread[k]), k);
                }
            }
            var neuronIndices = neurons.Indices();
            var features = pairTops?[f];
            var featureIndices = features?.Indices() ?? [];
            tables[f] = new FeatureTables
            {
                NeuronAlignmentIndices = alignIndices,
                NeuronAlignmentValues = alignValues,
                NeuronAlignmentL1 = alignL1,
                CorrelatedNeuronsIndices = neuronIndices,
                CorrelatedNeuronsPearson = neurons.Values(),
                CorrelatedNeuronsCosine = neuronIndices.Select(k => Cosine(_cross[(long)f * d + k], _featureSquares[f], _neuronSquares[k])).ToArray(),
                CorrelatedFeaturesIndices = featureIndices,
                CorrelatedFeaturesPearson = features?.Values() ?? [],
                CorrelatedFeaturesCosine = featureIndices.Select(j => Cosine(Pair(f, j), _featureSquares[f], _featureSquares[j])).ToArray(),
            };
        });
        return tables;
    }

    /// <summary>
    /// SAEDashboard's neuron alignment: the <paramref name="rows"/> largest entries of the decoder row (by value,
    /// ties to the lower index) and each one's |value| ÷ the row's L1 norm.
    /// </summary>
    public static (int[] Indices, float[] Values, float[] L1) NeuronAlignment(ReadOnlySpan<float> decoderRow, int rows)
    {
        var top = new TopList(rows);
        double l1 = 0;
        for (var k = 0; k < decoderRow.Length; k++)
        {
            top.Offer(decoderRow[k], k);
            l1 += Math.Abs(decoderRow[k]);
        }
        var indices = top.Indices();
        var values = new float[indices.Length];
        var shares = new float[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            values[i] = decoderRow[indices[i]];
            shares[i] = l1 > 0 ? (float)(Math.Abs(values[i]) / l1) : 0f;
        }
        return (indices, values, shares);
    }

    /// <summary>√(n Σy² − (Σy)²) per entry; zero (no spread) leaves the entry out of every correlation.</summary>
    private static double[] Spread(double[] sum, double[] squares, double n)
    {
        var spread = new double[sum.Length];
        for (var i = 0; i < sum.Length; i++)
        {
            var v = n * squares[i] - sum[i] * sum[i];
            spread[i] = v > 0 ? Math.Sqrt(v) : 0;
        }
        return spread;
    }

    private static float Cosine(double dot, double squaresA, double squaresB) =>
        squaresA > 0 && squaresB > 0 ? (float)(dot / Math.Sqrt(squaresA * squaresB)) : 0f;

    private double Pair(int a, int b)
    {
        var (i, j) = a < b ? (a, b) : (b, a);
        return _pairs![PairOffset(i, Features) + j - i - 1];
    }

    /// <summary>
    /// One pass over the pair sums in row-major order offers each pair to both features' lists; every list so
    /// sees its candidates in ascending index order, which makes "strictly greater wins" a tie to the lower index.
    /// </summary>
    private TopList[] FeaturePairTops(double[] spread, int rows)
    {
        var s = Features;
        double n = Positions;
        var tops = new TopList[s];
        for (var f = 0; f < s; f++) tops[f] = new TopList(rows);
        var pairs = _pairs!;
        long at = 0;
        for (var i = 0; i < s; i++)
        {
            if (spread[i] <= 0)
            {
                at += s - i - 1;
                continue;
            }
            var sumI = _featureSum[i];
            var scaleI = 1.0 / spread[i];
            var topI = tops[i];
            for (var j = i + 1; j < s; j++, at++)
            {
                if (spread[j] <= 0) continue;
                var pearson = (n * pairs[at] - sumI * _featureSum[j]) * scaleI / spread[j];
                topI.Offer(pearson, j);
                tops[j].Offer(pearson, i);
            }
        }
        return tops;
    }

    /// <summary>The k largest (value, index) offered, ties to the earlier offer.</summary>
    private sealed class TopList(int k)
    {
        private readonly double[] _values = new double[k];
        private readonly int[] _indices = new int[k];
        private int _count;

        public void Offer(double value, int index)
        {
            if (k == 0 || double.IsNaN(value)) return;
            if (_count == k && value <= _values[k - 1]) return;
            var at = _count < k ? _count++ : k - 1;
            while (at > 0 && _values[at - 1] < value)
            {
                _values[at] = _values[at - 1];
                _indices[at] = _indices[at - 1];
                at--;
            }
            _values[at] = value;
            _indices[at] = index;
        }

        public int[] Indices() => _indices[.._count];

        public float[] Values() => _values[.._count].Select(v => (float)v).ToArray();
    }
}
