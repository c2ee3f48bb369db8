using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

public sealed class EvalStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveEvalAsync_TwiceThenGetAndList_ReturnsTheLatestPerSae(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 64);
        await store.Models.UpsertSaeAsync(new SaeRecord(Seed.Model, "res3", null, "blocks.3.hook_resid_pre", 3, 768, 32, "topk", "{}"), None);

        var first = Record(Seed.Sae, Seed.Hook, 64, l0: 40);
        var second = Record(Seed.Sae, Seed.Hook, 64, l0: 25.5);
        await store.Evals.SaveEvalAsync(Seed.Model, Seed.Sae, first, None);
        await store.Evals.SaveEvalAsync(Seed.Model, Seed.Sae, second, None);
        await store.Evals.SaveEvalAsync(Seed.Model, "res3", Record("res3", "blocks.3.hook_resid_pre", 32, l0: 32), None);

        var stored = await store.Evals.GetEvalAsync(Seed.Model, Seed.Sae, None);
        Assert.NotNull(stored);
        Assert.Equal(second with { Result = second.Result with { LogDensityHistogram = stored.Result.LogDensityHistogram } }, stored);
        Assert.Equal(second.Result.LogDensityHistogram, stored.Result.LogDensityHistogram);
        Assert.Equal(["res3", Seed.Sae], (await store.Evals.ListEvalsAsync(Seed.Model, null, None)).Select(e => e.Sae));
        Assert.Equal([Seed.Sae], (await store.Evals.ListEvalsAsync(Seed.Model, Seed.Hook, None)).Select(e => e.Sae));
        Assert.Null(await store.Evals.GetEvalAsync(Seed.Model, "res9", None));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Evals.SaveEvalAsync(Seed.Model, "res9", first, None));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveEvalAsync_SaeBenchMetricsAndImport_ComeBackAsSaved(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 64);
        var plain = Record(Seed.Sae, Seed.Hook, 64, l0: 40);
        var imported = plain with
        {
            Result = plain.Result with
            {
                KlDivScore = 0.971, KlDivWithSae = 0.12, KlDivWithAblation = 4.1, L1 = 310.5, L2NormIn = 90.25, L2NormOut = 85.5, L2Ratio = 0.94,
                RelativeReconstructionBias = 0.99, FracAlive = 0.875, FreqOver1Percent = 0.25, FreqOver10Percent = 0.015625, DecoderFractionVarianceExplained = 0.42,
            },
            ImportedFrom = "res8_eval_results.json",
        };

        await store.Evals.SaveEvalAsync(Seed.Model, Seed.Sae, imported, None);
        var stored = await store.Evals.GetEvalAsync(Seed.Model, Seed.Sae, None);
        // Measured again here: the SAEBench metrics it lacks are null again, and it is no longer an import.
        await store.Evals.SaveEvalAsync(Seed.Model, Seed.Sae, plain, None);
        var remeasured = await store.Evals.GetEvalAsync(Seed.Model, Seed.Sae, None);

        Assert.Equal(imported with { Result = imported.Result with { LogDensityHistogram = stored!.Result.LogDensityHistogram } }, stored);
        Assert.Equal(plain with { Result = plain.Result with { LogDensityHistogram = remeasured!.Result.LogDensityHistogram } }, remeasured);
        Assert.Null(remeasured.Result.KlDivScore);
        Assert.Null(remeasured.ImportedFrom);
    }

    private static SaeEvalRecord Record(string sae, string hook, int dSae, double l0) => new(sae, hook, Seed.Corpus, new SaeEvalResult
    {
        Tokens = 12_345, L0 = l0, Mse = 0.0123, ExplainedVariance = 0.81, CosineSimilarity = 0.93, CeLossClean = 3.3, CeLossWithSae = 3.5,
        CeLossZeroAblation = 5.0, CeLossRecovered = 0.8823529, DeadFeatures = 3, DenseFeatures = 1, DSae = dSae,
        LogDensityHistogram = Enumerable.Range(0, 50).Select(i => i % 7).ToArray(), HistogramMin = -10, HistogramMax = 0,
    }, new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
}
