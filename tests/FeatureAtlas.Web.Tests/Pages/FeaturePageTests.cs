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
        var features = await app.Store.Dashboards.GetFeaturesAsync(LiveAtlasApp.LiveModel, LiveAtlasApp.LiveSae, 0, LiveAtlasApp.LiveDSae, CancellationToken.None);
        return features.OrderByDescending(f => f.NonzeroCount).ThenBy(f => f.Index).First();
    }

    [Fact]
    public async Task FeaturePage_LiveFeature_ShowsExamplesHistogramAndLogitsAsStored()
    {
        chromium.SkipWhenUnavailable();
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

        // SAEDashboard's tables as the dashboard pass stored them: neurons by index, correlated features as links.
        var tables = stored.Tables!;
        Assert.Equal(3, tables.CorrelatedFeaturesIndices.Length);
        Assert.Equal(tables.NeuronAlignmentIndices.Select(i => i.ToString(CultureInfo.InvariantCulture)),
            await page.Locator("[data-testid=neuron-alignment] tbody td:first-child").AllInnerTextsAsync());
        Assert.Equal(tables.CorrelatedNeuronsPearson.Select(v => (v >= 0 ? "+" : "") + ViewHelpers.Value(v)),
            await page.Locator("[data-testid=correlated-neurons] tbody td:nth-child(2)").AllInnerTextsAsync());
        Assert.Equal(tables.CorrelatedFeaturesIndices.Select(j => "/" + LiveAtlasApp.FeaturePath(j)),
            await page.Locator("[data-testid=correlated-features] a").EvaluateAllAsync<string[]>("as => as.map(a => a.getAttribute('href'))"));

        Directory.CreateDirectory(Chromium.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "feature.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FeaturePage_ShowFullContext_SwapsInEveryTokenOfEachWindowAndBack()
    {
        chromium.SkipWhenUnavailable();
        var stored = await BusiestFeatureAsync(app);
        // Every example row in page order: the top examples, then each interval's.
        var examples = stored.Top.Concat(stored.Intervals.SelectMany(i => i.Examples)).ToArray();
        var windows = await app.Store.Corpora.ReadWindowsAsync(LiveAtlasApp.LiveCorpus, examples.Select(e => e.Window).ToArray(), CancellationToken.None);
        // Collapsed, a row runs from 32 tokens before its peak to 8 after, clipped to the window; full, the whole window.
        var collapsed = examples.Select(e => Math.Min(windows[e.Window].Length - 1, e.Position + 8) - Math.Max(0, e.Position - 32) + 1).ToArray();
        var full = examples.Select(e => windows[e.Window].Length).ToArray();
        Assert.True(collapsed.Zip(full).Any(p => p.First < p.Second), "some example has context beyond the collapsed view");
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync(LiveAtlasApp.FeaturePath(stored.Index));
        var rows = page.Locator("#examples .example-list .tokens");
        async Task<int[]> TokenCountsAsync() => await rows.EvaluateAllAsync<int[]>("rs => rs.map(r => r.querySelectorAll('.tok').length)");
        Assert.Equal(collapsed, await TokenCountsAsync());

        var link = page.GetByRole(AriaRole.Link, new() { Name = "show full context" });
        await link.ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "show less context" }).WaitForAsync();

        Assert.Equal(full, await TokenCountsAsync());
        Assert.EndsWith("/" + LiveAtlasApp.FeaturePath(stored.Index), page.Url);
        // The peaks keep their stored values in the full rows.
        Assert.Equal(examples.Select(e => ViewHelpers.Value(e.Value)), await rows.Locator(".tok.peak").EvaluateAllAsync<string[]>("es => es.map(e => e.title)"));

        await page.GetByRole(AriaRole.Link, new() { Name = "show less context" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "show full context" }).WaitForAsync();
        Assert.Equal(collapsed, await TokenCountsAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FeaturePage_PrevAndNext_LinkToNeighbours()
    {
        chromium.SkipWhenUnavailable();
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync(LiveAtlasApp.FeaturePath(5));

        var next = page.WaitForURLAsync("**/" + LiveAtlasApp.FeaturePath(6));
        await page.Locator("a[rel=next]").ClickAsync();
        await next;

        Assert.Equal("6", await page.Locator("article.feature").GetAttributeAsync("data-index"));
        Assert.Equal("/" + LiveAtlasApp.FeaturePath(5), await page.Locator("a[rel=prev]").GetAttributeAsync("href"));
        Assert.Equal("/" + LiveAtlasApp.FeaturePath(7), await page.Locator("a[rel=next]").GetAttributeAsync("href"));
        await page.Context.CloseAsync();
    }

    internal static float ParseTitle(string? title) => float.Parse(title!, CultureInfo.InvariantCulture);
}
