using System.Globalization;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Web.Rendering;
using FeatureAtlas.Web.Tests.TestSupport;
using Microsoft.Playwright;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>A live feature's page in Chromium: the dashboard built from the tiny model, as a reader sees it.</summary>
[Collection(BrowserCollection.Name)]
public sealed class FeaturePageTests(Chromium chromium, LiveAtlasApp app)
{
    /// <summary>The live feature with the most non-zero activations, so its page has examples in every part.</summary>
    internal static async Task<FeatureDashboard> BusiestFeatureAsync(LiveAtlasApp app)
    {
        var features = await app.Store.GetFeaturesAsync(LiveAtlasApp.LiveModel, LiveAtlasApp.LiveSae, 0, LiveAtlasApp.LiveDSae, CancellationToken.None);
        return features.OrderByDescending(f => f.NonzeroCount).ThenBy(f => f.Index).First();
    }

    [Fact]
    public async Task FeaturePage_LiveFeature_ShowsExamplesHistogramAndLogitsAsStored()
    {
        if (chromium.Skipped) return;
        var stored = await BusiestFeatureAsync(app);
        Assert.NotEmpty(stored.Top);
        var page = await chromium.NewPageAsync(app);

        var response = await page.GotoAsync(LiveAtlasApp.FeaturePath(stored.Index));

        Assert.Equal(200, response!.Status);
        Assert.Equal($"{LiveAtlasApp.LiveSae} #{stored.Index}", (await page.Locator("h1").InnerTextAsync()).Replace("\u00a0", " ").Trim());

        // One row of coloured tokens per stored top example, each peak titled with the example's stored value.
        var examples = page.Locator("[data-testid=top-examples] .tokens");
        Assert.Equal(stored.Top.Count, await examples.CountAsync());
        for (var i = 0; i < stored.Top.Count; i++)
        {
            var peak = examples.Nth(i).Locator(".tok.peak");
            Assert.Equal(ViewHelpers.Value(stored.Top[i].Value), await peak.GetAttributeAsync("title"));
            var colour = await peak.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");
            Assert.Matches(@"^rgba?\(255, 140, 0\b", colour);
        }
        Assert.Equal(ViewHelpers.Value(stored.MaxActivation), await examples.First.GetAttributeAsync("data-max"));
        Assert.True(await page.Locator("[data-testid=top-examples] .tok").CountAsync() > await examples.CountAsync() * 8, "examples show their context tokens");

        // The activation histogram is an SVG with one bar per non-empty bin.
        var histogram = page.Locator(".panels svg.hist").First;
        Assert.True(await histogram.IsVisibleAsync());
        var bars = await histogram.Locator("rect").CountAsync();
        Assert.InRange(bars, 1, stored.ActivationHistogram.BarValues.Length);

        // Logit tables list the stored top and bottom tokens' values, in order.
        var logits = stored.Logits!;
        Assert.Equal(logits.PositiveValues.Select(ViewHelpers.Value), await page.Locator("[data-testid=pos-logits] td.num").AllInnerTextsAsync());
        Assert.Equal(logits.NegativeValues.Select(ViewHelpers.Value), await page.Locator("[data-testid=neg-logits] td.num").AllInnerTextsAsync());
        Assert.Equal(ViewHelpers.Percent(stored.FracNonzero), await page.Locator("[data-testid=density]").InnerTextAsync());

        Directory.CreateDirectory(Chromium.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "feature.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FeaturePage_ShowFullContext_RevealsTheWholeWindow()
    {
        if (chromium.Skipped) return;
        var stored = await BusiestFeatureAsync(app);
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync(LiveAtlasApp.FeaturePath(stored.Index));
        var first = page.Locator("[data-testid=top-examples] .tokens").First;
        var visibleBefore = await first.Locator(".tok:visible").CountAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "show full context" }).ClickAsync();

        // The collapsed view hides what lies far from the peak; expanded, every token of the window shows.
        var all = await first.Locator(".tok").CountAsync();
        Assert.Equal(all, await first.Locator(".tok:visible").CountAsync());
        Assert.True(visibleBefore <= all);
        Assert.Equal("show less context", await page.Locator("[data-expand]").InnerTextAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FeaturePage_PrevAndNext_LinkToNeighbours()
    {
        if (chromium.Skipped) return;
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync(LiveAtlasApp.FeaturePath(5));

        await page.Locator("a[rel=next]").ClickAsync();

        await page.WaitForURLAsync("**/" + LiveAtlasApp.FeaturePath(6));
        Assert.Equal("6", await page.Locator("article.feature").GetAttributeAsync("data-index"));
        Assert.Equal("/" + LiveAtlasApp.FeaturePath(5), await page.Locator("a[rel=prev]").GetAttributeAsync("href"));
        Assert.Equal("/" + LiveAtlasApp.FeaturePath(7), await page.Locator("a[rel=next]").GetAttributeAsync("href"));
        await page.Context.CloseAsync();
    }

    internal static float ParseTitle(string? title) => float.Parse(title!, CultureInfo.InvariantCulture);
}
