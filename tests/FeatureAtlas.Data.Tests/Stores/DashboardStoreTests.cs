using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Statistics;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

public sealed class DashboardStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DashboardOptions Options = new() { Seed = 42 };

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task AddUploadedFeaturesAsync_TwoBatches_AppendWindowsMergeFeaturesAndGrowTheSae(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 4);
        await store.Models.UpsertSaeAsync(new SaeRecord(Seed.Model, "0-mine", null, "unknown", 0, 0, 1, "upload", "{}", "mine"), None);
        var logits = new LogitTable([5, 6], [2f, 1f], [7], [-1f], Histogram.Empty);

        await store.Dashboards.AddUploadedFeaturesAsync(Seed.Model, "0-mine", [
            new UploadedFeature(2, 0.5, logits, [new UploadedActivation([10, 11, 12], [0f, 3f, 1f]), new UploadedActivation([13, 14], [1f, 0f], 0f, 2f, 0.25)]),
            new UploadedFeature(9, null, null, [new UploadedActivation([10, 11, 12], [1f, 0f, 0f])]),
        ], None);
        await store.Dashboards.AddUploadedFeaturesAsync(Seed.Model, "0-mine", [new UploadedFeature(2, null, null, [new UploadedActivation([20], [5f])])], None);

        var corpus = IDashboardStore.UploadCorpus(Seed.Model, "0-mine");
        // The window both features share in the first batch is stored once.
        Assert.Equal([[10, 11, 12], [13, 14], [20]], await store.Corpora.ReadWindowsAsync(corpus, 0, 10, None));
        var feature = (await store.Dashboards.GetFeatureAsync(Seed.Model, "0-mine", 2, None))!;
        Assert.Equal([(2, 0, 5f), (0, 1, 3f)], feature.Top.Select(e => (e.Window, e.Position, e.Value)));
        Assert.Equal([1, 2], feature.Top[1].Positions);
        var interval = Assert.Single(feature.Intervals);
        Assert.Equal((0f, 2f, 0.25, 1), (interval.Low, interval.High, interval.ContainsFraction, Assert.Single(interval.Examples).Window));
        Assert.Equal((0.5, 5f, 1f), (feature.FracNonzero, feature.MaxActivation, feature.MinNonzeroActivation));
        Assert.Equal([5, 6], feature.Logits!.PositiveTokens);
        Assert.Equal(0, (await store.Dashboards.GetFeatureAsync(Seed.Model, "0-mine", 9, None))!.Top.Single().Window);
        Assert.Equal(10, (await store.Models.GetSaeAsync(Seed.Model, "0-mine", None))!.DSae);
        var summary = (await store.Dashboards.GetDashboardSummaryAsync(Seed.Model, "0-mine", None))!;
        Assert.Equal((corpus, 6L, 3), (summary.Corpus, summary.TotalTokens, summary.Windows));

        // An SAE with dashboards built here takes no uploads, and nothing of the refused batch is kept.
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options, SyntheticDashboards.Create(features: 2, seed: 1, windows: 50), None);
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => store.Dashboards.AddUploadedFeaturesAsync(Seed.Model, Seed.Sae, [new UploadedFeature(1, null, null, [new UploadedActivation([1], [1f])])], None));
        Assert.Contains($"built here from corpus '{Seed.Corpus}'", refused.Message);
        Assert.Null(await store.Corpora.GetCorpusAsync(IDashboardStore.UploadCorpus(Seed.Model, Seed.Sae), None));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveDashboardsAsync_ThenGetFeature_ReturnsEveryNumber(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 64);
        var dashboards = SyntheticDashboards.Create(features: 12, seed: 1, windows: 50, deadEvery: 5);
        Assert.Equal(2, dashboards.DeadFeatures);

        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options, dashboards, None);

        foreach (var expected in dashboards.Features) DashboardAssert.Equal(expected, await store.Dashboards.GetFeatureAsync(Seed.Model, Seed.Sae, expected.Index, None));
        var range = await store.Dashboards.GetFeaturesAsync(Seed.Model, Seed.Sae, 3, 5, None);
        Assert.Equal([3, 4, 5, 6, 7], range.Select(f => f.Index));
        for (var i = 0; i < range.Count; i++) DashboardAssert.Equal(dashboards.Features[3 + i], range[i]);
        Assert.Null(await store.Dashboards.GetFeatureAsync(Seed.Model, Seed.Sae, 12, None));

        var summary = await store.Dashboards.GetDashboardSummaryAsync(Seed.Model, Seed.Sae, None);
        Assert.NotNull(summary);
        Assert.Equal((Seed.Model, Seed.Sae, Seed.Corpus), (summary.Model, summary.Sae, summary.Corpus));
        Assert.Equal((dashboards.TotalTokens, dashboards.Windows, dashboards.DeadFeatures), (summary.TotalTokens, summary.Windows, summary.DeadFeatures));
        DashboardAssert.Equal(dashboards.LogDensityHistogram, summary.LogDensityHistogram);
        Assert.Equal(Options, summary.Options);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveDashboardsAsync_CentresNotFromARange_StoresThemExactly(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 4);
        var dashboards = SyntheticDashboards.Create(features: 2, seed: 2, windows: 50);
        var odd = dashboards.Features[1] with
        {
            ActivationHistogram = new Histogram([0.1, 0.25, 0.3333333333333333, 7.0], [4, 0, 1, 1]),
            Logits = dashboards.Features[1].Logits! with { Histogram = new Histogram([-1e-300, 2.5], [3, 997]) },
        };
        dashboards = dashboards with { Features = [dashboards.Features[0], odd], LogDensityHistogram = new Histogram([-3.0], [2]) };

        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options, dashboards, None);

        DashboardAssert.Equal(odd, await store.Dashboards.GetFeatureAsync(Seed.Model, Seed.Sae, 1, None));
        var summary = await store.Dashboards.GetDashboardSummaryAsync(Seed.Model, Seed.Sae, None);
        DashboardAssert.Equal(dashboards.LogDensityHistogram, summary!.LogDensityHistogram);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveDashboardsAsync_FeatureTables_ComeBackExactly(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 8);
        var dashboards = SyntheticDashboards.Create(features: 3, seed: 5, windows: 50);
        var full = new FeatureTables
        {
            NeuronAlignmentIndices = [7, 0, 3], NeuronAlignmentValues = [0.5f, 0.25f, -1e-30f], NeuronAlignmentL1 = [0.125f, 0.0625f, 1e-31f],
            CorrelatedNeuronsIndices = [2, 1], CorrelatedNeuronsPearson = [0.9f, -0.1f], CorrelatedNeuronsCosine = [0.8f, 0.7f],
            CorrelatedFeaturesIndices = [1], CorrelatedFeaturesPearson = [0.3333333f], CorrelatedFeaturesCosine = [float.Epsilon],
        };
        dashboards = dashboards with
        {
            Features = [dashboards.Features[0] with { Tables = full }, dashboards.Features[1] with { Tables = FeatureTables.Empty }, dashboards.Features[2]],
        };

        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options, dashboards, None);

        foreach (var expected in dashboards.Features) DashboardAssert.Equal(expected, await store.Dashboards.GetFeatureAsync(Seed.Model, Seed.Sae, expected.Index, None));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task GetFeatureAsync_TruncatedTablesBlob_ThrowsInvalidDataNamingTheFeature(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 8);
        var dashboards = SyntheticDashboards.Create(features: 2, seed: 6, windows: 50);
        var tables = new FeatureTables { NeuronAlignmentIndices = [1, 2], NeuronAlignmentValues = [0.5f, 0.4f], NeuronAlignmentL1 = [0.2f, 0.1f] };
        dashboards = dashboards with { Features = [.. dashboards.Features.Select(f => f with { Tables = tables })] };
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options, dashboards, None);
        var cut = db.IsSqlite ? "substr(tables, 1, 9)" : "substring(tables from 1 for 9)";
        await db.ScalarAsync($"UPDATE features SET tables = {cut} WHERE feature_index = 1");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.Dashboards.GetFeatureAsync(Seed.Model, Seed.Sae, 1, None));

        Assert.Contains($"feature 1 of {Seed.Model}/{Seed.Sae}", error.Message);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task GetFeatureAsync_TruncatedExamplesBlob_ThrowsInvalidDataNamingSaeAndFeature(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 8);
        var dashboards = SyntheticDashboards.Create(features: 5, seed: 4, windows: 50);
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options, dashboards, None);
        var cut = db.IsSqlite ? "substr(examples, 1, 40)" : "substring(examples from 1 for 40)";
        await db.ScalarAsync($"UPDATE features SET examples = {cut} WHERE feature_index = 3");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.Dashboards.GetFeatureAsync(Seed.Model, Seed.Sae, 3, None));

        Assert.Contains($"feature 3 of SAE {Seed.Model}/{Seed.Sae}", error.Message);
        DashboardAssert.Equal(dashboards.Features[2], await store.Dashboards.GetFeatureAsync(Seed.Model, Seed.Sae, 2, None));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveDashboardsAsync_Replace_KeepsOnlyTheNewSet(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 64);
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options, SyntheticDashboards.Create(features: 10, seed: 1, windows: 50), None);
        var second = SyntheticDashboards.Create(features: 6, seed: 2, windows: 50, logits: false, top: 3, intervals: 2);
        var options = Options with { TopExamples = 3, Intervals = 2 };

        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, options, second, None);

        var all = await store.Dashboards.GetFeaturesAsync(Seed.Model, Seed.Sae, 0, 64, None);
        Assert.Equal(6, all.Count);
        for (var i = 0; i < all.Count; i++) DashboardAssert.Equal(second.Features[i], all[i]);
        Assert.Equal(options, (await store.Dashboards.GetDashboardSummaryAsync(Seed.Model, Seed.Sae, None))!.Options);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveDashboardsAsync_FailsMidway_LeavesPreviousDashboards(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 256);
        var first = SyntheticDashboards.Create(features: 200, seed: 1, windows: 50, deadEvery: 7);
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options, first, None);
        var second = SyntheticDashboards.Create(features: 200, seed: 2, windows: 50);
        var failing = second with { Features = new FailingFeatures(second.Features, after: 150) };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options with { Seed = 9 }, failing, None));

        Assert.Contains("Injected", error.Message);
        await AssertStoredAsync(store, first, Options);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveDashboardsAsync_CancelledMidway_LeavesPreviousDashboards(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 256);
        var first = SyntheticDashboards.Create(features: 200, seed: 1, windows: 50);
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options, first, None);
        using var cancel = new CancellationTokenSource();
        var second = SyntheticDashboards.Create(features: 200, seed: 2, windows: 50);
        var cancelling = second with { Features = new FailingFeatures(second.Features, after: 120, cancel) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options with { Seed = 9 }, cancelling, cancel.Token));

        await AssertStoredAsync(store, first, Options);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveDashboardsAsync_BadFeatures_ThrowsAndKeepsPrevious(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 8, windows: 50);
        var first = SyntheticDashboards.Create(features: 8, seed: 1, windows: 50);
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options, first, None);

        var tooMany = SyntheticDashboards.Create(features: 9, seed: 2, windows: 50);
        var outside = await Assert.ThrowsAsync<ArgumentException>(() => store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options, tooMany, None));
        Assert.Contains("Feature index 8 is outside [0, 8)", outside.Message);

        var twice = first with { Features = [first.Features[0], first.Features[1], first.Features[1]] };
        var duplicate = await Assert.ThrowsAsync<ArgumentException>(() => store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options, twice, None));
        Assert.Contains("Feature 1", duplicate.Message);

        var beyond = SyntheticDashboards.Create(features: 8, seed: 3, windows: 51);
        var window = await Assert.ThrowsAsync<ArgumentException>(() => store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options, beyond, None));
        Assert.Contains("window 50 is outside the corpus's 50 windows", window.Message);

        await AssertStoredAsync(store, first, Options);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveDashboardsAsync_UnknownNames_ThrowNamingThem(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 8);
        var dashboards = SyntheticDashboards.Create(features: 2, seed: 1, windows: 50);

        var model = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Dashboards.SaveDashboardsAsync("gpt3", Seed.Sae, Seed.Corpus, Options, dashboards, None));
        var sae = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Dashboards.SaveDashboardsAsync(Seed.Model, "res9", Seed.Corpus, Options, dashboards, None));
        var corpus = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, "sotu", Options, dashboards, None));
        var hook = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, Options, dashboards with { HookName = "blocks.3.hook_mlp_out" }, None));

        Assert.Contains("'gpt3'", model.Message);
        Assert.Contains("'res9'", sae.Message);
        Assert.Contains("'sotu'", corpus.Message);
        Assert.Contains("blocks.3.hook_mlp_out", hook.Message);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Dashboards.GetFeatureAsync(Seed.Model, "res9", 0, None));
        Assert.Null(await store.Dashboards.GetFeatureAsync(Seed.Model, Seed.Sae, 0, None));
        Assert.Null(await store.Dashboards.GetDashboardSummaryAsync(Seed.Model, Seed.Sae, None));
    }

    private static async Task AssertStoredAsync(Data.Stores.AtlasStores store, SaeDashboards expected, DashboardOptions options)
    {
        var all = await store.Dashboards.GetFeaturesAsync(Seed.Model, Seed.Sae, 0, int.MaxValue, None);
        Assert.Equal(expected.Features.Count, all.Count);
        for (var i = 0; i < all.Count; i++) DashboardAssert.Equal(expected.Features[i], all[i]);
        var summary = await store.Dashboards.GetDashboardSummaryAsync(Seed.Model, Seed.Sae, None);
        Assert.Equal(options, summary!.Options);
        Assert.Equal(expected.DeadFeatures, summary.DeadFeatures);
    }
}
