using System.Net;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>The analysis job's results as a reader meets them: in the feature's JSON, on its page, and the SAE summary.</summary>
public abstract class FeatureAnalysisApiTests(AtlasApp app)
{
    public sealed class Sqlite(SqliteAtlasApp app) : FeatureAnalysisApiTests(app), IClassFixture<SqliteAtlasApp>;

    public sealed class Postgres(PostgresAtlasApp app) : FeatureAnalysisApiTests(app), IClassFixture<PostgresAtlasApp>;

    private static readonly FeatureAnalysis Analysis = new()
    {
        Enrichment = [new SetEnrichment("first_names", 2043, 0.93, 40.2, 352.5, true)],
        Prefix = new PrefixTest([1, 2, 4, 8, 16, 0], [0.05f, 0.1f, 0.4f, 0.8f, 1f, 1f], [0.1f, 0.2f, 0.8f, 1.6f, 2f, 2f], 5),
        Induction = new InductionTest(8, 16, 0f, 3.5f, 0.75f),
    };

    [Fact]
    public async Task Feature_WithAnalysis_ShowsItInJsonAndOnThePage()
    {
        app.SkipWhenUnavailable();
        await app.Store.Analyses.SaveFeatureAnalysesAsync(AtlasApp.Model, AtlasApp.Sae, [(3, Analysis)], CancellationToken.None);
        using var client = app.CreateClient();

        var feature = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/feature/{AtlasApp.Model}/{AtlasApp.Sae}/3"));
        var analysis = feature.GetProperty("analysis");
        var set = analysis.GetProperty("token_set_enrichment")[0];
        Assert.Equal("first_names", set.GetProperty("set").GetString());
        Assert.Equal(352.5, set.GetProperty("neg_log10_p").GetDouble());
        Assert.True(set.GetProperty("predicts").GetBoolean());
        Assert.Equal([1, 2, 4, 8, 16, 0], analysis.GetProperty("prefix_test").GetProperty("context_lengths").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(0.75f, analysis.GetProperty("induction_test").GetProperty("second_only_share").GetSingle());

        var page = await client.GetStringAsync($"{AtlasApp.Model}/{AtlasApp.Sae}/3");
        Assert.Contains("data-testid=\"token-set-enrichment\"", page, StringComparison.Ordinal);
        Assert.Contains("first names", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"prefix-test\"", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"induction-test\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"feature-analysis\"", await client.GetStringAsync($"{AtlasApp.Model}/{AtlasApp.Sae}/4"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnalysisSummary_BeforeAndAfterTheJob_IsProblemThenCounts()
    {
        app.SkipWhenUnavailable();
        using var client = app.CreateClient();
        var missing = await client.GetAsync($"api/analysis/{AtlasApp.Model}/{AtlasApp.Sae}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"api/analysis/{AtlasApp.Model}/no-such-sae")).StatusCode);

        await app.Store.Analyses.SaveAnalysisSummaryAsync(AtlasApp.Model, AtlasApp.Sae, new SaeAnalysisSummary
        {
            Features = 8, Sets = [new TokenSetCount("first_names", "A first name", "@stdlib", 2043, 3)], Notes = ["Token set 'english_words' skipped."], InductionFeatures = 1,
        }, CancellationToken.None);

        var summary = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/analysis/{AtlasApp.Model}/{AtlasApp.Sae}"));
        Assert.Equal(3, summary.GetProperty("sets")[0].GetProperty("predictingFeatures").GetInt32());
        var page = await client.GetStringAsync($"{AtlasApp.Model}/{AtlasApp.Sae}");
        Assert.Contains("data-testid=\"sae-analysis\"", page, StringComparison.Ordinal);
        Assert.Contains("features predict first names", page.Replace("</strong>", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
