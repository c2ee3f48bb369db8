using System.Numerics.Tensors;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Search;

public sealed partial class FeatureSearch
{
    /// <summary>
    /// Neuronpedia search-all: every selected SAE's features on <paramref name="tokens"/> (one sequence, used as
    /// given: prepend BOS yourself), ranked by the maximum over positions or by the sum at
    /// <see cref="FeatureSearchOptions.SortIndexes"/>, largest first; features whose key is ≤ 0 are dropped, and
    /// so are features denser than the threshold (before selection, so a full page comes back). Ties rank by
    /// SAE order in the session, then feature index: Neuronpedia's stable sort over the concatenated sources.
    /// </summary>
    public IReadOnlyList<FeatureMatch> Search(ReadOnlySpan<int> tokens, FeatureSearchOptions options)
    {
        Enter();
        try
        {
            return SearchCore(tokens, options);
        }
        finally
        {
            Exit();
        }
    }

    /// <inheritdoc cref="Search(ReadOnlySpan{int}, FeatureSearchOptions)"/>
    public Task<IReadOnlyList<FeatureMatch>> SearchAsync(int[] tokens, FeatureSearchOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return Exclusive(() => SearchCore(tokens, options), cancellationToken);
    }

    private IReadOnlyList<FeatureMatch> SearchCore(ReadOnlySpan<int> tokens, FeatureSearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.NumResults, 1, nameof(options.NumResults));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.NumResults, MaxResults, nameof(options.NumResults));
        CheckTokens(tokens);
        foreach (var index in options.SortIndexes)
        {
            if ((uint)index >= (uint)tokens.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"Sort index {index} is outside the {tokens.Length} tokens of the text.");
            }
        }
        var selected = Select(options);
        foreach (var s in selected) CheckDensities(options, s);
        foreach (var s in selected) CheckMaxActivations(options, s);

        var ranking = _ranking ??= new Ranking(this);
        ranking.Begin(options, tokens.Length, skipBos: options.IgnoreBos && tokens[0] == BosToken);
        Forward(tokens, selected, ranking);
        return ranking.Results();
    }

    /// <summary>Session indexes of the SAEs the options select, in session order.</summary>
    private List<int> Select(FeatureSearchOptions options)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in options.Saes)
        {
            IndexOf(name);
            names.Add(name);
        }
        var layers = options.Layers.ToHashSet();
        var selected = new List<int>();
        for (var s = 0; s < Session.Saes.Count; s++)
        {
            if (names.Count > 0 && !names.Contains(Session.Saes[s].Name)) continue;
            if (layers.Count > 0 && !layers.Contains(_layers[s])) continue;
            selected.Add(s);
        }
        return selected;
    }

    private void CheckDensities(FeatureSearchOptions options, int s)
    {
        var sae = Session.Saes[s];
        if (options.FracNonzero is { } all && all.TryGetValue(sae.Name, out var frac) && frac is not null && frac.Length != sae.DSae)
        {
            throw new ArgumentException($"frac_nonzero for SAE '{sae.Name}' has {frac.Length} values; the SAE has d_sae = {sae.DSae}.", nameof(options));
        }
    }

    private void CheckMaxActivations(FeatureSearchOptions options, int s)
    {
        if (!options.RelativeToMax) return;
        var sae = Session.Saes[s];
        if (options.MaxActivation is not { } all || !all.TryGetValue(sae.Name, out var max) || max is null)
        {
            throw new ArgumentException($"Ranking relative to the maximum needs SAE '{sae.Name}''s stored max activations (build its dashboards).", nameof(options));
        }
        if (max.Length != sae.DSae) throw new ArgumentException($"max_act for SAE '{sae.Name}' has {max.Length} values; the SAE has d_sae = {sae.DSae}.", nameof(options));
    }

    /// <summary>
    /// The streaming selection: per SAE, the ranking key of every feature ([S], one SIMD pass over the [T, S]
    /// activations), then a scan that admits a feature only when it beats the worst of the best N so far (a
    /// min-heap of N ≤ 100). The per-token values of admitted features are copied out before the next SAE
    /// overwrites the activations, so no SAE's [T, S] block outlives its hook.
    /// </summary>
    private sealed class Ranking(FeatureSearch search) : SaeVisitor
    {
        private readonly Entry[] _heap = new Entry[MaxResults];   // min-heap, worst entry at the root
        private float[] _keys = [];                                // [S] ranking key of each feature
        private float[] _values = [];                              // [MaxResults, T] per-token values, by slot
        private FeatureSearchOptions _options = new();
        private int _count, _capacity, _rows;
        private bool _skipBos, _bySum;

        private struct Entry
        {
            public float Key;
            public int Sae, Feature, Slot, MaxIndex;
            public float Max, Sum;
            public bool Filled;
        }

        public void Begin(FeatureSearchOptions options, int rows, bool skipBos)
        {
            _options = options;
            _rows = rows;
            _skipBos = skipBos;
            _bySum = options.SortIndexes.Count > 0;
            _capacity = options.NumResults;
            _count = 0;
            if (_values.Length < MaxResults * rows) _values = new float[MaxResults * rows];
        }

        public override void Visit(int s, ReadOnlySpan<float> x, int rows)
        {
            var sae = search.Session.Saes[s];
            var dSae = sae.DSae;
            var f = search.FeatureBuffer(rows, dSae);
            sae.Encode(x, rows, f);
            if (!TensorPrimitives.IsFiniteAll<float>(f)) throw NonFiniteValuesException.For(f, dSae, $"SAE '{sae.Name}' activations");
            if (_keys.Length < dSae) _keys = new float[dSae];
            var keys = _keys.AsSpan(0, dSae);
            ComputeKeys(f, rows, dSae, keys);
            if (_options.RelativeToMax)
            {
                // Checked on entry: every searched SAE has a max_act array of d_sae values.
                var max = _options.MaxActivation![sae.Name];
                for (var i = 0; i < keys.Length; i++) keys[i] = max[i] > 0f ? keys[i] / max[i] : 0f;
            }

            float[]? frac = null;
            var threshold = _options.DensityThreshold;
            if (threshold >= 0f) _options.FracNonzero?.TryGetValue(sae.Name, out frac);

            for (var i = 0; i < keys.Length; i++)
            {
                var key = keys[i];
                if (!(key > 0f)) continue;
                if (_count == _capacity && !Worse(_heap[0], key, s, i)) continue;
                if (frac is not null && frac[i] > threshold) continue;
                Admit(key, s, i);
            }
            for (var k = 0; k < _count; k++)
            {
                if (_heap[k].Sae == s && !_heap[k].Filled) Fill(ref _heap[k], f, dSae);
            }
        }

        /// <summary>Max over positions (BOS counted as 0 when skipped) or the sum at the sort positions, in list order.</summary>
        private void ComputeKeys(ReadOnlySpan<float> f, int rows, int dSae, Span<float> keys)
        {
            if (!_bySum)
            {
                if (_skipBos) keys.Clear();
                else f[..dSae].CopyTo(keys);
                for (var r = 1; r < rows; r++) TensorPrimitives.Max(f.Slice(r * dSae, dSae), keys, keys);
                return;
            }
            keys.Clear();
            foreach (var r in _options.SortIndexes)
            {
                if (r == 0 && _skipBos) continue;
                TensorPrimitives.Add(keys, f.Slice(r * dSae, dSae), keys);
            }
        }

        private void Fill(ref Entry entry, ReadOnlySpan<float> f, int dSae)
        {
            var values = _values.AsSpan(entry.Slot * _rows, _rows);
            for (var r = 0; r < _rows; r++) values[r] = f[r * dSae + entry.Feature];
            if (_skipBos) values[0] = 0f;
            var max = values[0];
            var at = 0;
            for (var r = 1; r < values.Length; r++)
            {
                if (values[r] > max)
                {
                    max = values[r];
                    at = r;
                }
            }
            entry.Max = max;
            entry.MaxIndex = at;
            entry.Sum = !_bySum ? 0f : _options.RelativeToMax ? SumAtSortIndexes(values) : entry.Key;
            entry.Filled = true;
        }

        /// <summary>The raw sum at the sort positions (the key is relative), added in the order ComputeKeys adds.</summary>
        private float SumAtSortIndexes(ReadOnlySpan<float> values)
        {
            var sum = 0f;
            foreach (var r in _options.SortIndexes) sum += values[r];
            return sum;
        }

        /// <summary>Whether <paramref name="a"/> ranks below (key, sae, feature): smaller key, or equal key and later in source order.</summary>
        private static bool Worse(in Entry a, float key, int sae, int feature) =>
            a.Key < key || (a.Key == key && (a.Sae > sae || (a.Sae == sae && a.Feature > feature)));

        private static bool Worse(in Entry a, in Entry b) => Worse(a, b.Key, b.Sae, b.Feature);

        private void Admit(float key, int sae, int feature)
        {
            var entry = new Entry { Key = key, Sae = sae, Feature = feature };
            if (_count < _capacity)
            {
                entry.Slot = _count;
                var i = _count++;
                while (i > 0)
                {
                    var parent = (i - 1) / 2;
                    if (!Worse(entry, _heap[parent])) break;
                    _heap[i] = _heap[parent];
                    i = parent;
                }
                _heap[i] = entry;
                return;
            }
            // Replace the root (the worst) and sift down; the newcomer inherits its value slot.
            entry.Slot = _heap[0].Slot;
            var at = 0;
            while (true)
            {
                var child = 2 * at + 1;
                if (child >= _count) break;
                if (child + 1 < _count && Worse(_heap[child + 1], _heap[child])) child++;
                if (!Worse(_heap[child], entry)) break;
                _heap[at] = _heap[child];
                at = child;
            }
            _heap[at] = entry;
        }

        public IReadOnlyList<FeatureMatch> Results()
        {
            var entries = _heap.AsSpan(0, _count).ToArray();
            Array.Sort(entries, (a, b) => Worse(b, a) ? -1 : Worse(a, b) ? 1 : 0);
            var results = new FeatureMatch[entries.Length];
            for (var k = 0; k < entries.Length; k++)
            {
                var e = entries[k];
                var sae = search.Session.Saes[e.Sae];
                var values = _values.AsSpan(e.Slot * _rows, _rows).ToArray();
                results[k] = new FeatureMatch(sae.Name, search._layers[e.Sae], e.Feature, values, e.Max, e.MaxIndex, e.Sum);
            }
            _options = new FeatureSearchOptions();
            return results;
        }
    }
}
