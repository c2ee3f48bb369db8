using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Rendering;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>
/// What a new user meets in the first hour, in the served HTML: the model's description on every page with its
/// features, a dead feature said to be dead, CE loss recovered flagged when it means nothing, the leaderboard sorted by
/// a metric that means what it says, a sortable feature list, and links to maps, comparisons and the leaderboard.
/// </summary>
public sealed partial class FirstHourPageTests(SqliteAtlasApp app) : IClassFixture<SqliteAtlasApp>
{
    private const string Description = "tiny test model (random weights)";
    private const int DeadEvery = 4;   // features 3 and 7 of the 8 with dashboards never fired

    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Once per fixture: the model's description, dashboards with dead features, and two evaluations.</summary>
    private async Task PrepareAsync()
    {
        await Gate.WaitAsync();
        try
        {
            var ct = CancellationToken.None;
            var model = (await app.Store.Models.GetModelAsync(AtlasApp.Model, ct))!;
            if (model.DisplayName == Description) return;
            var dashboards = SyntheticDashboards.Create(features: AtlasApp.DashboardFeatures, seed: 3, windows: 20, context: 32, top: 5, intervals: 2, perInterval: 2, deadEvery: DeadEvery);
            await app.Store.Dashboards.SaveDashboardsAsync(AtlasApp.Model, AtlasApp.Sae, Seed.Corpus, new DashboardOptions { Seed = 42 }, dashboards, ct);
            // Two SAEs evaluated: one whose zero ablation does not hurt the model (CE loss recovered 150%), and a worse
            // one by CE loss increase whose CE loss recovered (80%) means what it says.
            var second = (await app.Store.Models.GetSaeAsync(AtlasApp.Model, AtlasApp.Sae, ct))! with { Name = "res8-b" };
            await app.Store.Models.UpsertSaeAsync(second, ct);
            await app.Store.Evals.SaveEvalAsync(AtlasApp.Model, AtlasApp.Sae, Eval(AtlasApp.Sae, clean: 3.0, withSae: 3.1, zero: 2.8), ct);
            await app.Store.Evals.SaveEvalAsync(AtlasApp.Model, "res8-b", Eval("res8-b", clean: 3.0, withSae: 3.4, zero: 5.0), ct);
            // Scored explanations of features 0, 1, 2 (simulation r 0.2, 0.9, 0.5) and an unscored one of feature 4.
            await app.Store.Explanations.SaveExplanationsAsync(AtlasApp.Model, AtlasApp.Sae,
            [
                new(0, "zero", "test", null, "{\"correlation\":0.2}", DateTimeOffset.UnixEpoch),
                new(1, "one", "test", null, "{\"correlation\":0.9}", DateTimeOffset.UnixEpoch),
                new(2, "two", "test", null, "{\"correlation\":0.5}", DateTimeOffset.UnixEpoch),
                new(4, "four", "test", null, null, DateTimeOffset.UnixEpoch),
            ], ct);
            await app.Store.Models.UpsertModelAsync(model with { DisplayName = Description }, ct);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static SaeEvalRecord Eval(string sae, double clean, double withSae, double zero) => new(sae, Seed.Hook, "sotu", new SaeEvalResult
    {
        Tokens = 2_031, L0 = 5, Mse = 0.01, ExplainedVariance = 0.5, CosineSimilarity = 0.9,
        CeLossClean = clean, CeLossWithSae = withSae, CeLossZeroAblation = zero, CeLossRecovered = (zero - withSae) / (zero - clean),
        DeadFeatures = 21, DenseFeatures = 2, DSae = AtlasApp.DSae, LogDensityHistogram = new int[10],
    }, DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData("gpt2/res8")]
    [InlineData("gpt2/res8/1")]
    [InlineData("gpt2/res8/1?embed=true")]
    [InlineData("map?model=gpt2&sae=res8")]
    [InlineData("compare?model=gpt2")]
    [InlineData("gpt2/leaderboard")]
    public async Task Page_WithTheModelsFeatures_SaysWhatTheModelIs(string path)
    {
        await PrepareAsync();
        using var client = app.CreateClient();

        var html = await client.GetStringAsync(path);

        Assert.Contains($"<p class=\"model-line\" data-testid=\"model-line\">Model <a href=\"/{AtlasApp.Model}\">{AtlasApp.Model}</a>: <strong>{Description}</strong></p>", html);
    }

    [Fact]
    public async Task FeaturePage_DeadFeature_HasBadgeAndNoEmptyExamples()
    {
        await PrepareAsync();
        using var client = app.CreateClient();

        var dead = await client.GetStringAsync($"{AtlasApp.Model}/{AtlasApp.Sae}/{DeadEvery - 1}");
        var live = await client.GetStringAsync($"{AtlasApp.Model}/{AtlasApp.Sae}/0");

        Assert.Contains("data-testid=\"dead-badge\"", dead);
        Assert.Contains("Dead: this feature never fired on the 640 tokens of moby its dashboard was built from", dead);
        Assert.DoesNotContain("show full context", dead);
        Assert.DoesNotContain("data-testid=\"top-examples\"", dead);
        Assert.DoesNotContain("data-testid=\"dead-badge\"", live);
        Assert.Contains("show full context", live);
    }

    [Fact]
    public async Task SaePage_EvalOutsideRange_IsFlaggedWithWhyAndDeadCountsNameTheirCorpus()
    {
        await PrepareAsync();
        using var client = app.CreateClient();

        var flagged = WebUtility.HtmlDecode(await client.GetStringAsync($"{AtlasApp.Model}/{AtlasApp.Sae}"));
        var plain = WebUtility.HtmlDecode(await client.GetStringAsync($"{AtlasApp.Model}/res8-b"));

        Assert.Contains("⚠ CE loss recovered is outside 0–100%: zero-ablating the hook does not raise the loss (CE zero 2.800 ≤ clean 3.000), so there is no loss to recover and the ratio means nothing.", flagged);
        Assert.DoesNotContain("data-testid=\"ce-caveat\"", plain);
        Assert.Contains("Dead features (eval: sotu, 2,031 tokens)</span>21", flagged);
        Assert.Contains("Dead features (dashboards: moby, 640 tokens)</span>2</div>", flagged);
    }

    [Fact]
    public async Task Leaderboard_Default_SortsByCeLossIncreaseAndFlagsMeaninglessRecovery()
    {
        await PrepareAsync();
        using var client = app.CreateClient();

        var byDefault = WebUtility.HtmlDecode(await client.GetStringAsync($"{AtlasApp.Model}/leaderboard"));
        var byRecovered = await client.GetStringAsync($"{AtlasApp.Model}/leaderboard?sort=ce_loss_recovered&desc=true");

        // res8 loses 0.1 nats with its SAE, res8-b 0.4: res8 first, though its 150% "recovered" is meaningless.
        Assert.Equal([AtlasApp.Sae, "res8-b"], SaeRows(byDefault));
        Assert.Contains("CE loss increase ↑", byDefault);
        Assert.Equal(1, Regex.Count(byDefault, "data-testid=\"ce-flag\""));
        // Sorted by CE loss recovered, the meaningless 150% does not rank above a real 80%.
        Assert.Equal(["res8-b", AtlasApp.Sae], SaeRows(byRecovered));
    }

    [Theory]
    [InlineData("density", true)]
    [InlineData("max", true)]
    [InlineData("max", false)]
    [InlineData("index", true)]
    public async Task SaePage_SortedList_FollowsTheStoredNumbers(string sort, bool descending)
    {
        await PrepareAsync();
        var stored = await app.Store.Dashboards.GetFeaturesAsync(AtlasApp.Model, AtlasApp.Sae, 0, AtlasApp.DSae, CancellationToken.None);
        Func<FeatureDashboard, double> key = sort switch { "density" => f => f.FracNonzero, "max" => f => f.MaxActivation, _ => f => f.Index };
        var expected = (descending ? stored.OrderByDescending(key) : stored.OrderBy(key)).ThenBy(f => f.Index).Select(f => f.Index).ToArray();
        using var client = app.CreateClient();

        var html = await client.GetStringAsync($"{AtlasApp.Model}/{AtlasApp.Sae}?sort={sort}&desc={(descending ? "true" : "false")}");

        Assert.Equal(expected, FeatureRows().Matches(html).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
        // The column's link sorts the other way next.
        Assert.Contains($"href=\"?sort={sort}&amp;desc={(descending ? "false" : "true")}\" data-sort=\"{sort}\"", html);
    }

    [Fact]
    public async Task SaePage_SortedByScore_ScoredFeaturesFirstBestFirst()
    {
        await PrepareAsync();
        using var client = app.CreateClient();

        var byScore = await client.GetStringAsync($"{AtlasApp.Model}/{AtlasApp.Sae}?sort=score&desc=true");
        var byIndex = await client.GetStringAsync($"{AtlasApp.Model}/{AtlasApp.Sae}");

        // 1 (0.9), 2 (0.5), 0 (0.2), then the unscored by index.
        Assert.Equal([1, 2, 0, 3, 4, 5, 6, 7], FeatureRows().Matches(byScore).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
        Assert.Contains("<td>one</td>\n                    <td class=\"num\">0.90</td>", byIndex);
    }

    [Theory]
    [InlineData("")]
    [InlineData("gpt2")]
    public async Task HomeAndModelPages_LinkToMapsCompareAndLeaderboard(string path)
    {
        await PrepareAsync();
        using var client = app.CreateClient();

        var html = await client.GetStringAsync(path);

        Assert.Contains("<a href=\"/map?model=gpt2\">Feature maps</a> · <a href=\"/compare?model=gpt2\">Compare SAEs</a> · <a href=\"/gpt2/leaderboard\">SAE leaderboard</a>", html);
    }

    [Fact]
    public async Task SearchPage_Default_RanksRelativeToEachFeaturesMax()
    {
        await PrepareAsync();
        using var client = app.CreateClient();

        var html = await client.GetStringAsync("search");

        Assert.Contains("<option value=\"relative\" selected=\"selected\">", html);
        Assert.DoesNotContain("<option value=\"activation\" selected=\"selected\">", html);
    }

    [Theory]
    [InlineData(0.00214f, "0.00214")]
    [InlineData(0f, "0")]
    [InlineData(12.34567f, "12.346")]
    [InlineData(0.5f, "0.5")]
    public void Value_SmallNumbers_KeepSignificantDigits(float value, string expected) => Assert.Equal(expected, ViewHelpers.Value(value));

    private static string[] SaeRows(string html) => LeaderboardRow().Matches(html).Select(m => m.Groups[1].Value).ToArray();

    [GeneratedRegex("<tr>\\s*<td><a href=\"/gpt2/([^\"]+)\">")]
    private static partial Regex LeaderboardRow();

    [GeneratedRegex("<td class=\"num\"><a href=\"/gpt2/res8/(\\d+)\">")]
    private static partial Regex FeatureRows();
}
