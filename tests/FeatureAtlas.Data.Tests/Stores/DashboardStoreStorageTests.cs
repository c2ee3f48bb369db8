using System.Diagnostics;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

/// <summary>
/// The storage goal: one 24,576-feature SAE at the defaults (20 top + 5 × 5 interval examples, about 8
/// non-zero activations per example window, logit tables) within 150 MB, on SQLite and on PostgreSQL. Sizes and
/// write times go to the test output (dotnet test --logger "console;verbosity=detailed").
/// </summary>
public sealed class DashboardStoreStorageTests(ITestOutputHelper output)
{
    private const int Features = 24_576;
    private const double BudgetMb = 150;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveDashboardsAsync_FullSizeSae_FitsTheStorageBudget(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: Features, windows: 800);
        var dashboards = SyntheticDashboards.Create(Features, seed: 11, windows: 800, vocab: 50257 / 16, fullIntervals: true);
        var examples = dashboards.Features.Sum(f => f.Top.Count + f.Intervals.Sum(i => i.Examples.Count));
        var options = new DashboardOptions();

        var clock = Stopwatch.StartNew();
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, options, dashboards, CancellationToken.None);
        var first = clock.Elapsed;
        var megabytes = await SizeAsync(db) / 1048576.0;
        var relations = db.IsSqlite ? null : await LargestRelationsAsync(db);
        clock.Restart();
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, options, dashboards, CancellationToken.None);
        var replace = clock.Elapsed;
        clock.Restart();
        var feature = await store.Dashboards.GetFeatureAsync(Seed.Model, Seed.Sae, 12_345, CancellationToken.None);
        var read = clock.Elapsed;

        DashboardAssert.Equal(dashboards.Features[12_345], feature);
        output.WriteLine($"{provider}: {Features} features, {examples:N0} examples; SaveDashboardsAsync {first.TotalSeconds:F1} s (replacing them: {replace.TotalSeconds:F1} s); "
            + $"GetFeatureAsync {read.TotalMilliseconds:F0} ms; {megabytes:F1} MB stored after the first save (corpus of 800 × 128 tokens included).");
        if (relations is not null) output.WriteLine(relations);
        Assert.True(megabytes <= BudgetMb, $"{provider}: {megabytes:F1} MB exceeds the {BudgetMb} MB budget per SAE.");
    }

    /// <summary>SQLite: the file (WAL checkpointed into it). PostgreSQL: the FeatureAtlas tables with their indexes, without the catalogs.</summary>
    private static async Task<long> SizeAsync(TestDatabase db)
    {
        if (!db.IsSqlite)
        {
            return Convert.ToInt64(await db.ScalarAsync(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"));
        }
        await db.ScalarAsync("PRAGMA wal_checkpoint(TRUNCATE)");
        var wal = db.FilePath + "-wal";
        return new FileInfo(db.FilePath!).Length + (File.Exists(wal) ? new FileInfo(wal).Length : 0);
    }

    /// <summary>Tables over 1 MB with their heap, TOAST (out-of-line blobs) and index sizes.</summary>
    private static async Task<string> LargestRelationsAsync(TestDatabase db) => (string)(await db.ScalarAsync(
        "SELECT string_agg(relname || ' ' || round(pg_total_relation_size(c.oid) / 1048576.0, 1) || ' MB (heap ' || round(pg_relation_size(c.oid) / 1048576.0, 1) "
        + "|| ', TOAST ' || round(coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) / 1048576.0, 1) || ', indexes ' || round(pg_indexes_size(c.oid) / 1048576.0, 1) || ')', "
        + "', ' ORDER BY pg_total_relation_size(c.oid) DESC) "
        + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r' AND pg_total_relation_size(c.oid) > 1048576"))!;
}
