using System.Numerics.Tensors;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Search;

public sealed partial class FeatureSearch
{
    /// <summary>
    /// Neuronpedia search-topk-by-token: for each position of <paramref name="tokens"/>, the
    /// <see cref="TopFeaturesByTokenOptions.NumResults"/> strongest features of SAE <paramref name="sae"/> that pass
    /// the density filter, largest first (ties: lower index first). Only activations above zero are listed, so a
    /// position may have fewer. With IgnoreBos, special tokens (50256) are left out of the list.
    /// </summary>
    public IReadOnlyList<TokenTopFeatures> TopFeaturesByToken(ReadOnlySpan<int> tokens, string sae, TopFeaturesByTokenOptions? options = null)
    {
        Enter();
        try
        {
            return TopFeaturesByTokenCore(tokens, sae, options ?? new TopFeaturesByTokenOptions());
        }
        finally
        {
            Exit();
        }
    }

    /// <inheritdoc cref="TopFeaturesByToken(ReadOnlySpan{int}, string, TopFeaturesByTokenOptions?)"/>
    public Task<IReadOnlyList<TokenTopFeatures>> TopFeaturesByTokenAsync(int[] tokens, string sae, TopFeaturesByTokenOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return Exclusive(() => TopFeaturesByTokenCore(tokens, sae, options ?? new TopFeaturesByTokenOptions()), cancellationToken);
    }

    private IReadOnlyList<TokenTopFeatures> TopFeaturesByTokenCore(ReadOnlySpan<int> tokens, string sae, TopFeaturesByTokenOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.NumResults, 1, nameof(options.NumResults));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.NumResults, MaxFeaturesPerToken, nameof(options.NumResults));
        CheckTokens(tokens);
        var s = IndexOf(sae);
        var autoencoder = Session.Saes[s];
        if (options.FracNonzero is { } frac && frac.Length != autoencoder.DSae)
        {
            throw new ArgumentException($"frac_nonzero for SAE '{sae}' has {frac.Length} values; the SAE has d_sae = {autoencoder.DSae}.", nameof(options));
        }
        var visitor = new ByToken(this, options, tokens.ToArray());
        Forward(tokens, [s], visitor);
        return visitor.Results;
    }

    private sealed class ByToken(FeatureSearch search, TopFeaturesByTokenOptions options, int[] tokens) : SaeVisitor
    {
        public List<TokenTopFeatures> Results { get; } = [];

        public override void Visit(int s, ReadOnlySpan<float> x, int rows)
        {
            var sae = search.Session.Saes[s];
            var dSae = sae.DSae;
            var f = search.FeatureBuffer(rows, dSae);
            sae.Encode(x, rows, f);
            if (!TensorPrimitives.IsFiniteAll<float>(f)) throw NonFiniteValuesException.For(f, dSae, $"SAE '{sae.Name}' activations");
            var frac = options.DensityThreshold >= 0f ? options.FracNonzero : null;
            var threshold = options.DensityThreshold;
            var best = new TopFeature[options.NumResults];
            for (var r = 0; r < rows; r++)
            {
                var special = tokens[r] == BosToken;
                if (special && options.IgnoreBos) continue;
                var row = f.Slice(r * dSae, dSae);
                var count = 0;
                for (var i = 0; i < row.Length; i++)
                {
                    var v = row[i];
                    // Equal values keep the earlier (lower) index, so a tie with the last kept one does not enter.
                    if (!(v > 0f) || (count == best.Length && !(v > best[count - 1].Value))) continue;
                    if (frac is not null && frac[i] > threshold) continue;
                    var at = count == best.Length ? count - 1 : count++;
                    while (at > 0 && best[at - 1].Value < v)
                    {
                        best[at] = best[at - 1];
                        at--;
                    }
                    best[at] = new TopFeature(i, v);
                }
                Results.Add(new TokenTopFeatures(r, tokens[r], special, best.AsSpan(0, count).ToArray()));
            }
        }
    }
}
