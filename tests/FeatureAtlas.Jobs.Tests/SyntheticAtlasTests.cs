using System.Text.Json;
using FeatureAtlas.Data;

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
        Assert.Equal((3, 0), await SyntheticAtlas.SeedAsync(storeA.Models, storeA.Dashboards, storeA.Corpora, Features, DSae, Windows, seed: 5, null, CancellationToken.None));
        Assert.Equal((3, 0), await SyntheticAtlas.SeedAsync(storeB.Models, storeB.Dashboards, storeB.Corpora, Features, DSae, Windows, seed: 5, null, CancellationToken.None));

        var model = await storeA.Models.GetModelAsync(SyntheticAtlas.Model, CancellationToken.None);
        Assert.Contains("SYNTHETIC", model!.DisplayName);
        var saes = await storeA.Models.ListSaesAsync(SyntheticAtlas.Model, CancellationToken.None);
        Assert.Equal(["synthetic-res-L0", "synthetic-res-L1", "synthetic-res-L2"], saes.Select(s => s.Name));
        Assert.Equal([128, 128, 44], saes.Select(s => s.DSae));
        foreach (var sae in saes)
        {
            var fa = await storeA.Dashboards.GetFeaturesAsync(SyntheticAtlas.Model, sae.Name, 0, sae.DSae, CancellationToken.None);
            var fb = await storeB.Dashboards.GetFeaturesAsync(SyntheticAtlas.Model, sae.Name, 0, sae.DSae, CancellationToken.None);
            Assert.Equal(sae.DSae, fa.Count);
            Assert.Equal(JsonSerializer.Serialize(fa), JsonSerializer.Serialize(fb));
        }
    }

    [Fact]
    public async Task SeedAsync_Rerun_SkipsStoredSaes()
    {
        using var db = new TempDb();
        var store = await AtlasDatabase.OpenAsync(db.Path, CancellationToken.None);
        await SyntheticAtlas.SeedAsync(store.Models, store.Dashboards, store.Corpora, 2 * DSae, DSae, Windows, seed: 1, null, CancellationToken.None);
        Assert.Equal((1, 2), await SyntheticAtlas.SeedAsync(store.Models, store.Dashboards, store.Corpora, Features, DSae, Windows, seed: 1, null, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => SyntheticAtlas.SeedAsync(store.Models, store.Dashboards, store.Corpora, Features, DSae, Windows + 1, seed: 1, null, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => SyntheticAtlas.SeedAsync(store.Models, store.Dashboards, store.Corpora, Features, 100, Windows, seed: 1, null, CancellationToken.None));
    }

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
