using System.Text.Json;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Jobs.Tests;

/// <summary>`atlas seed-synthetic`: labelled synthetic, the same database from the same seed, and resumable per SAE.</summary>
public class SyntheticAtlasTests
{
    private const int Features = 300, DSae = 128, Windows = 64;

    [Fact]
    public async Task SeedAsync_TwoDatabasesSameSeed_HoldIdenticalFeatures()
    {
        using var a = new TempDb();
        using var b = new TempDb();
        var storeA = await AtlasDatabase.OpenAsync(a.Path, CancellationToken.None);
        var storeB = await AtlasDatabase.OpenAsync(b.Path, CancellationToken.None);
        Assert.Equal((3, 0), await SyntheticAtlas.SeedAsync(storeA.Models, storeA.Dashboards, storeA.Corpora, storeA.Explanations, Features, DSae, Windows, seed: 5, null, CancellationToken.None));
        Assert.Equal((3, 0), await SyntheticAtlas.SeedAsync(storeB.Models, storeB.Dashboards, storeB.Corpora, storeB.Explanations, Features, DSae, Windows, seed: 5, null, CancellationToken.None));

        var model = await storeA.Models.GetModelAsync(SyntheticAtlas.Model, CancellationToken.None);
        Assert.Contains("SYNTHETIC", model!.DisplayName);
        var saes = await storeA.Models.ListSaesAsync(SyntheticAtlas.Model, CancellationToken.None);
        Assert.Equal(["synthetic-res-L0", "synthetic-res-L1", "synthetic-res-L2"], saes.Select(s => s.Name));
        Assert.Equal([128, 128, 44], saes.Select(s => s.DSae));
        var dead = 0;
        foreach (var sae in saes)
        {
            var fa = await storeA.Dashboards.GetFeaturesAsync(SyntheticAtlas.Model, sae.Name, 0, sae.DSae, CancellationToken.None);
            var fb = await storeB.Dashboards.GetFeaturesAsync(SyntheticAtlas.Model, sae.Name, 0, sae.DSae, CancellationToken.None);
            Assert.Equal(sae.DSae, fa.Count);
            Assert.Equal(JsonSerializer.Serialize(fa), JsonSerializer.Serialize(fb));

            // One explanation per live feature (an explainer has no examples of a dead one), labelled synthetic.
            var ea = await ExplanationsAsync(storeA, sae.Name);
            var eb = await ExplanationsAsync(storeB, sae.Name);
            Assert.Equal(fa.Where(f => f.Top.Count > 0).Select(f => f.Index), ea.Select(e => e.FeatureIndex));
            dead += fa.Count(f => f.Top.Count == 0);
            Assert.All(ea, e => Assert.Matches(@"^SYNTHETIC: \w+( \w+){2,5}$", e.Text));
            Assert.Equal(ea.Select(e => e.Text), eb.Select(e => e.Text));
        }
        Assert.True(dead > 0, "the seed makes some dead features, which must have no explanation");
    }

    [Fact]
    public async Task SeedAsync_Rerun_SkipsStoredSaes()
    {
        using var db = new TempDb();
        var store = await AtlasDatabase.OpenAsync(db.Path, CancellationToken.None);
        await SyntheticAtlas.SeedAsync(store.Models, store.Dashboards, store.Corpora, store.Explanations, 2 * DSae, DSae, Windows, seed: 1, null, CancellationToken.None);
        Assert.Equal((1, 2), await SyntheticAtlas.SeedAsync(store.Models, store.Dashboards, store.Corpora, store.Explanations, Features, DSae, Windows, seed: 1, null, CancellationToken.None));
        Assert.Equal(3, (await store.Models.ListSaesAsync(SyntheticAtlas.Model, CancellationToken.None)).Count);
        var explained = await ExplanationsAsync(store, "synthetic-res-L1");
        Assert.NotEmpty(explained);

        // An SAE with dashboards and no explanations (seeded before they were) gets them on a rerun, once.
        await using (var context = store.Database.CreateContext())
        {
            await context.Explanations.Where(e => e.Method == SyntheticAtlasDashboards.ExplanationMethod).ExecuteDeleteAsync();
        }
        Assert.Equal((3, 0), await SyntheticAtlas.SeedAsync(store.Models, store.Dashboards, store.Corpora, store.Explanations, Features, DSae, Windows, seed: 1, null, CancellationToken.None));
        Assert.Equal((0, 3), await SyntheticAtlas.SeedAsync(store.Models, store.Dashboards, store.Corpora, store.Explanations, Features, DSae, Windows, seed: 1, null, CancellationToken.None));
        Assert.Equal(explained.Select(e => (e.FeatureIndex, e.Text)), (await ExplanationsAsync(store, "synthetic-res-L1")).Select(e => (e.FeatureIndex, e.Text)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => SyntheticAtlas.SeedAsync(store.Models, store.Dashboards, store.Corpora, store.Explanations, Features, DSae, Windows + 1, seed: 1, null, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => SyntheticAtlas.SeedAsync(store.Models, store.Dashboards, store.Corpora, store.Explanations, Features, 100, Windows, seed: 1, null, CancellationToken.None));
    }

    private static async Task<ExplanationRecord[]> ExplanationsAsync(AtlasStores store, string sae) =>
        (await store.Explanations.ListExplanationsAsync(SyntheticAtlas.Model, sae, SyntheticAtlasDashboards.ExplanationMethod, 0, 1000, CancellationToken.None))
            .OrderBy(e => e.FeatureIndex).ToArray();

    private sealed class TempDb : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"atlas-synthetic-{Guid.NewGuid():N}.db");

        public void Dispose()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(Path + suffix);
        }
    }
}
