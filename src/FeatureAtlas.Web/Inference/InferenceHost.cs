using System.Collections.Concurrent;
using FeatureAtlas.Data.Stores;

namespace FeatureAtlas.Web.Inference;

/// <summary>
/// Live inference for the site: each model's weights and SAEs are loaded from their stored folders on first use and
/// kept. Loading errors (a moved folder, a corrupt file) are remembered briefly and reported, not retried per request.
/// </summary>
public sealed class InferenceHost(AtlasStore store, AtlasWebOptions options, ILogger<InferenceHost> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ModelRuntime>>> _models = new(StringComparer.Ordinal);

    public AtlasWebOptions Options => options;

    /// <summary>The model's runtime; <see cref="KeyNotFoundException"/> for an unknown model, <see cref="InferenceUnavailableException"/> when it cannot run here.</summary>
    public async Task<ModelRuntime> GetAsync(string model, CancellationToken cancellationToken)
    {
        var lazy = _models.GetOrAdd(model, name => new Lazy<Task<ModelRuntime>>(() => LoadAsync(name)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Let the next request try again (the folder may have been fixed), but not this very moment's others.
            _ = Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None).ContinueWith(_ => _models.TryRemove(new KeyValuePair<string, Lazy<Task<ModelRuntime>>>(model, lazy)), TaskScheduler.Default);
            throw;
        }
    }

    private async Task<ModelRuntime> LoadAsync(string model)
    {
        var record = await store.GetModelAsync(model, CancellationToken.None) ?? throw new KeyNotFoundException($"Model '{model}' is not in the atlas.");
        if (record.Path is null || !Directory.Exists(record.Path))
        {
            throw new InferenceUnavailableException($"Model '{model}' cannot run live: its weights folder '{record.Path}' is not on this server.");
        }
        var saes = await store.ListSaesAsync(model, CancellationToken.None);
        var runnable = saes.Where(s => s.Path is not null && Directory.Exists(s.Path)).ToList();
        foreach (var missing in saes.Except(runnable)) logger.LogWarning("SAE {Model}/{Sae} cannot run live: folder '{Path}' is missing.", model, missing.Name, missing.Path);
        var densities = new Dictionary<string, float[]?>(StringComparer.Ordinal);
        foreach (var sae in runnable) densities[sae.Name] = await store.GetFracNonzeroAsync(model, sae.Name, CancellationToken.None);
        if (runnable.Count == 0) throw new InferenceUnavailableException($"Model '{model}' has no SAE whose folder is on this server.");
        try
        {
            return await Task.Run(() => ModelRuntime.Load(record, runnable, densities));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
        {
            throw new InferenceUnavailableException($"Model '{model}' cannot run live: {e.Message}", e);
        }
    }
}
