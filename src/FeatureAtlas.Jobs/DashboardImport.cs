using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Stores dashboards read from Neuronpedia batch files: their example windows become a corpus of their own
/// (<c>import:{model}/{sae}</c>), and a model or SAE the store does not know yet is registered from what the
/// files say (no weights: such an SAE can be browsed but not run).
/// </summary>
public static class DashboardImport
{
    public static async Task<(string Model, string Sae, string Corpus)> StoreAsync(NeuronpediaImport imported, string? modelName, string? saeName,
        IModelStore models, IDashboardStore store, ICorpusStore corpora, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(imported);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(corpora);
        var model = modelName ?? imported.Info.ModelId;
        var sae = saeName ?? imported.Info.Layer;
        if (await models.GetModelAsync(model, cancellationToken).ConfigureAwait(false) is null)
        {
            await models.UpsertModelAsync(new ModelRecord(model, null, "{}", 0, 0, 50257), cancellationToken).ConfigureAwait(false);
        }
        if (await models.GetSaeAsync(model, sae, cancellationToken).ConfigureAwait(false) is null)
        {
            var dash = sae.IndexOf('-');
            var layer = dash > 0 && int.TryParse(sae[..dash], out var l) ? l : -1;
            var features = imported.Dashboards.Features.Count == 0 ? 0 : imported.Dashboards.Features.Max(f => f.Index) + 1;
            await models.UpsertSaeAsync(new SaeRecord(model, sae, null, HookOf(imported), layer, 0, features, "unknown", "{}"), cancellationToken).ConfigureAwait(false);
        }
        var corpus = $"import:{model}/{sae}";
        var context = imported.Windows.Count == 0 ? 0 : imported.Windows.Max(w => w.Length);
        await corpora.AddCorpusAsync(corpus, $"neuronpedia:{imported.Info.Dataset}", context, imported.Windows, replace: true, cancellationToken).ConfigureAwait(false);
        var hook = (await models.GetSaeAsync(model, sae, cancellationToken).ConfigureAwait(false))!.HookName;
        await store.SaveDashboardsAsync(model, sae, corpus, new DashboardOptions(), imported.Dashboards with { SaeName = sae, HookName = hook }, cancellationToken).ConfigureAwait(false);
        return (model, sae, corpus);
    }

    /// <summary>The hook the files name (our exports do), else "unknown": SAEDashboard's files do not say.</summary>
    private static string HookOf(NeuronpediaImport imported) => imported.Info.HookName is { Length: > 0 } hook ? hook : "unknown";
}
