using System.Net;
using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.TestSupport;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>
/// The leaderboard under SAEBench's metric names, with imported evaluations marked, and its matched-L0 plot: one point
/// per SAE that has the metric, placed by its L0 across and the metric up, as drawn in Chromium.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LeaderboardBrowserTests(Chromium chromium, SqliteAtlasApp app) : IClassFixture<SqliteAtlasApp>
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    // (SAE, L0, kl_div_score or null, imported from)
    private static readonly (string Sae, double L0, double? Kl, string? File)[] Saes =
    [
        ("lb-wide", 120, 0.97, null), ("lb-mid", 45, 0.90, "lb-mid_eval_results.json"), ("lb-sparse", 18, 0.80, null), ("lb-old", 60, null, null),
    ];

    private async Task PrepareAsync()
    {
        await Gate.WaitAsync();
        try
        {
            var ct = CancellationToken.None;
            if (await app.Store.Evals.GetEvalAsync(AtlasApp.Model, "lb-wide", ct) is not null) return;
            var template = (await app.Store.Models.GetSaeAsync(AtlasApp.Model, AtlasApp.Sae, ct))!;
            foreach (var (sae, l0, kl, file) in Saes)
            {
                await app.Store.Models.UpsertSaeAsync(template with { Name = sae, HookName = "blocks.9.hook_resid_pre", Layer = 9 }, ct);
                await app.Store.Evals.SaveEvalAsync(AtlasApp.Model, sae, new SaeEvalRecord(sae, "blocks.9.hook_resid_pre", "sotu", new SaeEvalResult
                {
                    Tokens = 1_000, L0 = l0, Mse = 0.01, ExplainedVariance = 0.5, CosineSimilarity = 0.9, CeLossClean = 3, CeLossWithSae = 3.2,
                    CeLossZeroAblation = 6, CeLossRecovered = 0.93, DeadFeatures = 1, DenseFeatures = 0, DSae = AtlasApp.DSae, LogDensityHistogram = new int[10],
                    KlDivScore = kl, L2Ratio = kl is null ? null : 0.9, FracAlive = kl is null ? null : 0.99,
                }, DateTimeOffset.UnixEpoch, file), ct);
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    public sealed class Point
    {
        public string Sae { get; set; } = "";

        public double X { get; set; }

        public double Y { get; set; }
    }

    [Fact]
    public async Task MatchedL0Plot_KlDivScore_OnePointPerSaeAtItsL0AndScore()
    {
        chromium.SkipWhenUnavailable();
        await PrepareAsync();
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync($"{AtlasApp.Model}/leaderboard?hook=blocks.9.hook_resid_pre&plot=kl_div_score");

        var points = await page.Locator("svg.matched-l0 g.point").EvaluateAllAsync<Point[]>("""
            gs => gs.map(g => { const r = g.querySelector('circle').getBoundingClientRect(); return { sae: g.dataset.sae, x: r.x + r.width / 2, y: r.y + r.height / 2 }; })
            """);

        // lb-old has no kl_div_score (evaluated before SAEBench's metrics were stored): no point.
        Assert.Equal(["lb-mid", "lb-sparse", "lb-wide"], points.Select(p => p.Sae).Order());
        var bySae = points.ToDictionary(p => p.Sae);
        // Across by L0 (18 < 45 < 120), up by kl_div_score (0.80 < 0.90 < 0.97; screen y grows downwards), linearly.
        Assert.True(bySae["lb-sparse"].X < bySae["lb-mid"].X && bySae["lb-mid"].X < bySae["lb-wide"].X);
        Assert.True(bySae["lb-sparse"].Y > bySae["lb-mid"].Y && bySae["lb-mid"].Y > bySae["lb-wide"].Y);
        var xRatio = (bySae["lb-mid"].X - bySae["lb-sparse"].X) / (bySae["lb-wide"].X - bySae["lb-sparse"].X);
        var yRatio = (bySae["lb-mid"].Y - bySae["lb-sparse"].Y) / (bySae["lb-wide"].Y - bySae["lb-sparse"].Y);
        Assert.Equal((45 - 18) / (120.0 - 18), xRatio, 2);
        Assert.Equal((0.90 - 0.80) / (0.97 - 0.80), yRatio, 2);
        Assert.Equal("kl_div_score", await page.Locator("select[name=plot]").InputValueAsync());

        // Choosing another metric redraws the plot with it (the form submits itself).
        // Waiting from before the choice: a wait begun after it can miss a navigation that has already happened.
        var redrawn = page.WaitForURLAsync("**plot=l2_ratio**");
        await page.Locator("select[name=plot]").SelectOptionAsync("l2_ratio");
        await redrawn;
        Assert.Equal("l2_ratio", await page.Locator("svg.matched-l0").GetAttributeAsync("data-plot"));
        Assert.Equal(3, await page.Locator("svg.matched-l0 g.point").CountAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Leaderboard_SaeBenchNames_SortsMissingLastAndMarksImports()
    {
        await PrepareAsync();
        using var client = app.CreateClient();

        var html = WebUtility.HtmlDecode(await client.GetStringAsync($"{AtlasApp.Model}/leaderboard?hook=blocks.9.hook_resid_pre&sort=kl_div_score&desc=true"));

        foreach (var name in new[] { "kl_div_score", "ce_loss_score", "explained_variance", "cossim", "l2_ratio", "relative_reconstruction_bias", "frac_alive", "freq_over_1_percent", "freq_over_10_percent", "l0", "l1" })
        {
            Assert.Contains($">{name}", html);
        }
        var order = System.Text.RegularExpressions.Regex.Matches(html, "<tr>\\s*<td><a href=\"/gpt2/(lb-[a-z]+)\">").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["lb-wide", "lb-mid", "lb-sparse", "lb-old"], order);   // best kl_div_score first, the one without it last
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "data-testid=\"imported\""));
        Assert.Contains("Imported from the SAEBench result file lb-mid_eval_results.json", html);
    }
}
