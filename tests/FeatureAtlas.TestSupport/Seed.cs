using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Stores;

namespace FeatureAtlas.TestSupport;

/// <summary>A model "gpt2", its SAE "res8" and a corpus "moby" of random windows.</summary>
public static class Seed
{
    public const string Model = "gpt2";
    public const string Sae = "res8";
    public const string Corpus = "moby";
    public const string Hook = "blocks.8.hook_resid_pre";

    public static async Task AddAsync(AtlasStores store, int dSae, int windows = 50, int context = 128)
    {
        var ct = CancellationToken.None;
        await store.Models.UpsertModelAsync(new ModelRecord(Model, "/models/gpt2", "{\"n_layer\":12}", 12, 768, 50257, "GPT-2 small"), ct);
        await store.Models.UpsertSaeAsync(new SaeRecord(Model, Sae, "/saes/res8", Hook, 8, 768, dSae, "standard", "{\"d_sae\":" + dSae + "}"), ct);
        await store.Corpora.AddCorpusAsync(Corpus, "moby-dick", context, SyntheticDashboards.Windows(windows, context, seed: 7), replace: false, ct);
    }
}
