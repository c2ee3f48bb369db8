using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>
/// The live pages in Chromium on a 400-pixel phone screen: example text breaks between tokens and never inside one,
/// the value label and "…" never sit alone on a line, and no page is wider than the screen.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class NarrowScreenBrowserTests(Chromium chromium, LiveAtlasApp app)
{
    [Fact]
    public async Task FeaturePage_At400Pixels_BreaksExamplesOnlyBetweenTokens()
    {
        chromium.SkipWhenUnavailable();
        var stored = await FeaturePageTests.BusiestFeatureAsync(app);
        var page = await chromium.NewPageAsync(app);
        await page.SetViewportSizeAsync(400, 900);
        await page.GotoAsync(LiveAtlasApp.FeaturePath(stored.Index));

        // Per row: tokens drawn on more than one line (a fragment with width), whether the value label shares the first
        // token's line, whether a trailing "…" shares the last token's line, and the number of lines.
        var rows = await page.Locator("#examples .tokens").EvaluateAllAsync<RowLayout[]>("""
            rows => rows.map(row => {
              const toks = [...row.querySelectorAll('.tok')];
              const lineOf = (rect) => Math.round(rect.top + rect.height / 2);
              const split = toks.filter(t => [...t.getClientRects()].filter(r => r.width > 0.5).length > 1).length;
              const label = row.querySelector('.ex-max').getBoundingClientRect();
              const first = toks[0].getClientRects()[0];
              const lastRects = [...toks[toks.length - 1].getClientRects()];
              const last = lastRects[lastRects.length - 1];
              const trailing = row.lastElementChild.classList.contains('gap') ? row.lastElementChild.getBoundingClientRect() : null;
              const lines = new Set(toks.flatMap(t => [...t.getClientRects()].map(lineOf))).size;
              return { split, labelWithFirst: Math.abs(label.bottom - first.bottom) < 4,
                       gapWithLast: trailing === null || Math.abs(lineOf(trailing) - lineOf(last)) < 4, lines };
            })
            """);

        Assert.NotEmpty(rows);
        Assert.Contains(rows, r => r.Lines > 2);   // full rows at 400 px wrap, so the checks below mean something
        Assert.All(rows, r => Assert.Equal(0, r.Split));
        Assert.All(rows, r => Assert.True(r.LabelWithFirst, "the value label shares its line with the first token"));
        Assert.All(rows, r => Assert.True(r.GapWithLast, "a trailing … shares its line with the last token"));
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("")]
    [InlineData(LiveAtlasApp.LiveModel)]
    [InlineData($"{LiveAtlasApp.LiveModel}/{LiveAtlasApp.LiveSae}")]
    [InlineData($"{LiveAtlasApp.LiveModel}/{LiveAtlasApp.LiveSae}/0")]
    [InlineData($"{LiveAtlasApp.LiveModel}/leaderboard")]
    [InlineData($"map?model={LiveAtlasApp.LiveModel}&sae={LiveAtlasApp.LiveSae}")]
    [InlineData($"search?model={LiveAtlasApp.LiveModel}&text=Call+me+Ishmael")]
    [InlineData("search-explanations?q=token")]
    [InlineData($"{LiveAtlasApp.LiveModel}/circuits")]
    [InlineData($"{LiveAtlasApp.LiveModel}/circuits/lens")]
    [InlineData($"{LiveAtlasApp.LiveModel}/circuits/attribution")]
    [InlineData($"{LiveAtlasApp.LiveModel}/circuits/patching")]
    [InlineData($"{LiveAtlasApp.LiveModel}/circuits/ablation")]
    public async Task Page_At400Pixels_IsNoWiderThanTheScreen(string path)
    {
        chromium.SkipWhenUnavailable();
        var page = await chromium.NewPageAsync(app);
        await page.SetViewportSizeAsync(400, 900);
        await page.GotoAsync(path);

        var (scroll, client) = (await page.EvaluateAsync<int>("document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("document.documentElement.clientWidth"));

        Assert.True(scroll <= client, $"/{path} is {scroll} px wide on a {client} px screen");
        await page.Context.CloseAsync();
    }

    public sealed class RowLayout
    {
        public int Split { get; set; }

        public bool LabelWithFirst { get; set; }

        public bool GapWithLast { get; set; }

        public int Lines { get; set; }
    }
}
