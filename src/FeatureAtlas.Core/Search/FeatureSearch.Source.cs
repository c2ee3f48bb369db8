namespace FeatureAtlas.Core.Search;

public sealed partial class FeatureSearch
{
    /// <summary>
    /// Neuronpedia's activation/source: every feature of SAE <paramref name="sae"/> active (above zero) anywhere in
    /// <paramref name="tokens"/> after position 0 (BOS), with its (position, value) pairs in position order; features
    /// in index order. One forward pass.
    /// </summary>
    public IReadOnlyDictionary<int, (int Position, float Value)[]> ActiveFeatures(int[] tokens, string sae)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        Enter();
        try
        {
            return ActiveFeaturesCore(tokens, sae);
        }
        finally
        {
            Exit();
        }
    }

    /// <inheritdoc cref="ActiveFeatures(int[], string)"/>
    public Task<IReadOnlyDictionary<int, (int Position, float Value)[]>> ActiveFeaturesAsync(int[] tokens, string sae, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return Exclusive(() => ActiveFeaturesCore(tokens, sae), cancellationToken);
    }

    private IReadOnlyDictionary<int, (int Position, float Value)[]> ActiveFeaturesCore(int[] tokens, string sae)
    {
        CheckTokens(tokens);
        var visitor = new Active(this);
        Forward(tokens, [IndexOf(sae)], visitor);
        return visitor.Features.ToDictionary(p => p.Key, p => p.Value.ToArray());
    }

    private sealed class Active(FeatureSearch search) : SaeVisitor
    {
        public SortedDictionary<int, List<(int Position, float Value)>> Features { get; } = [];

        public override void Visit(int s, ReadOnlySpan<float> x, int rows)
        {
            var sae = search.Session.Saes[s];
            var dSae = sae.DSae;
            var f = search.FeatureBuffer(rows, dSae);
            sae.Encode(x, rows, f);
            // Position 0 is BOS, as Neuronpedia's inference server skips it.
            for (var r = 1; r < rows; r++)
            {
                var row = f.Slice(r * dSae, dSae);
                for (var i = 0; i < row.Length; i++)
                {
                    if (!(row[i] > 0f)) continue;
                    if (!Features.TryGetValue(i, out var list)) Features[i] = list = [];
                    list.Add((r, row[i]));
                }
            }
        }
    }
}
