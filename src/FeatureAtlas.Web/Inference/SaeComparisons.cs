using System.Collections.Concurrent;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Similarity;

namespace FeatureAtlas.Web.Inference;

/// <summary>
/// Comparisons of two SAEs of a model, computed from the SAEs <see cref="ModelRuntime"/> holds and kept: two
/// all-against-all GEMMs take seconds at 24,576 features, so each pair is computed once per process (the most
/// recent 16 pairs are kept, ~0.4 MB each at that size) and concurrent requests for a pair share one computation.
/// </summary>
public sealed class SaeComparisons(ModelRuntime models)
{
    private const int Capacity = 16;
    private readonly ConcurrentDictionary<(string Model, string A, string B), Lazy<Task<SaeComparison>>> _cache = new();

    public async Task<SaeComparison> GetAsync(string model, string a, string b, CancellationToken cancellationToken)
    {
        var key = (model, a, b);
        if (_cache.Count >= Capacity && !_cache.ContainsKey(key)) _cache.Clear();
        var lazy = _cache.GetOrAdd(key, k => new Lazy<Task<SaeComparison>>(() => ComputeAsync(k.Model, k.A, k.B)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _cache.TryRemove(new KeyValuePair<(string, string, string), Lazy<Task<SaeComparison>>>(key, lazy));
            throw;
        }
    }

    private async Task<SaeComparison> ComputeAsync(string model, string a, string b)
    {
        var runtime = await models.GetAsync(model, CancellationToken.None);
        var saes = runtime.Session.Saes;
        var first = saes.First(s => s.Name == runtime.SessionName(a));
        var second = saes.First(s => s.Name == runtime.SessionName(b));
        if (first.DIn != second.DIn) throw new ArgumentException($"SAEs '{a}' and '{b}' read different widths (d_in {first.DIn} and {second.DIn}), so their decoders cannot be compared.");
        return await models.RunAsync(model, "sae-comparisons", (_, token) => SaeComparison.Create(SimilarFeatures.UnitDecoder(first), first.DSae, SimilarFeatures.UnitDecoder(second), second.DSae, first.DIn, cancellationToken: token), CancellationToken.None);
    }
}
