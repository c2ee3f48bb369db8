using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Web.Tests.TestSupport;
using Microsoft.Playwright;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>
/// The circuit pages in Chromium on the tiny live model (2 layers, 2 heads, SAE tiny-res1): the lens grid streams in
/// and its hover lists the top N; the attribution table sorts and its feature links open the feature's page; the
/// patching heatmaps are labelled with the tokens; ablation shows before → after. Each page opened with a query runs
/// it (the URL is the share link) and agrees with the API. A screenshot of each lands in screenshots/.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CircuitsPageTests(Chromium chromium, LiveAtlasApp app)
{
    private const string Model = LiveAtlasApp.LiveModel;
    private const string Prompt = "Call me Ishmael. Some years ago";

    [Fact]
    public async Task LensPage_RunFromTheForm_GridFillsHoverShowsTopNAndTheUrlSharesIt()
    {
        chromium.SkipWhenUnavailable();
        var tokens = Gpt2Tokenizer.CreateDefault().Encode(Prompt, prependBos: true);
        var expected = LogitLens.Run(Gpt2Model.Load(app.ModelDirectory), tokens, 3);
        var page = await NewPageAsync();
        await page.GotoAsync($"{Model}/circuits/lens");

        await page.Locator("[data-testid=prompt]").FillAsync(Prompt);
        await page.Locator("input[name=top]").FillAsync("3");
        await page.Locator("[data-testid=run]").ClickAsync();

        var cells = page.Locator("[data-testid=lens-grid] td.lens-cell");
        await cells.Nth(2 * tokens.Length - 1).WaitForAsync();
        Assert.Equal(2 * tokens.Length, await cells.CountAsync());
        Assert.Contains("prompt=Call+me+Ishmael", page.Url);
        Assert.Contains("top=3", page.Url);
        // The first row is the last layer (the model's output); its last cell is the model's top next token.
        var strings = Gpt2Tokenizer.CreateDefault();
        var last = page.Locator("tr[data-layer='1'] td.lens-cell").Last;
        Assert.Equal(Visible(strings.GetTokenStrings([expected[1].Top[^1][0].TokenId])[0]), await last.TextContentAsync());
        var first = page.Locator("tr[data-layer='0'] td.lens-cell").Nth(2);
        Assert.Equal(Visible(strings.GetTokenStrings([expected[0].Top[2][0].TokenId])[0]), await first.TextContentAsync());

        await first.HoverAsync();
        var tip = page.Locator("[data-testid=tip]");
        await tip.WaitForAsync(new() { State = WaitForSelectorState.Visible });
        Assert.Equal(3, await tip.Locator(".tip-row").CountAsync());
        Assert.Equal(expected[0].Top[2][1].Prob, Number(await tip.Locator(".tip-row span").Nth(1).TextContentAsync()), 2e-3 * expected[0].Top[2][1].Prob);
        AssertNoScriptErrors();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "circuits-lens.png"), FullPage = true });

        // The address is the share link: opened afresh, it runs the same lens.
        var shared = await NewPageAsync();
        await shared.GotoAsync(page.Url);
        await shared.Locator("[data-testid=lens-grid] td.lens-cell").Nth(2 * tokens.Length - 1).WaitForAsync();
        Assert.Equal(await last.TextContentAsync(), await shared.Locator("tr[data-layer='1'] td.lens-cell").Last.TextContentAsync());
    }

    [Fact]
    public async Task LensPage_TunedLens_DisabledWithoutOneThenTheUrlRunsIt()
    {
        chromium.SkipWhenUnavailable();
        var folder = TunedLens.DirectoryFor(app.ModelDirectory);
        var page = await NewPageAsync();
        await page.GotoAsync($"{Model}/circuits/lens");
        // Playwright's IsDisabledAsync does not report a disabled <option>: the DOM property does.
        Assert.True(await page.Locator("[data-testid=lens-type] option[value=tuned]").EvaluateAsync<bool>("o => o.disabled"));

        var model = Gpt2Model.Load(app.ModelDirectory);
        var c = model.Config;
        var random = new Random(5);
        float[] Draw(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale)).ToArray();
        var lens = TunedLens.Create(c, [.. Enumerable.Range(0, c.Layers - 1).Select(_ => Draw(c.DModel * c.DModel, 0.5))], [.. Enumerable.Range(0, c.Layers - 1).Select(_ => Draw(c.DModel, 2))]);
        lens.Save(folder);
        try
        {
            var tokens = Gpt2Tokenizer.CreateDefault().Encode(Prompt, prependBos: true);
            var expected = LogitLens.Run(model, tokens, 3, lens);
            await page.GotoAsync($"{Model}/circuits/lens?prompt={Uri.EscapeDataString(Prompt)}&top=3&lens=tuned");

            await page.Locator("[data-testid=lens-grid] td.lens-cell").Nth(2 * tokens.Length - 1).WaitForAsync();
            Assert.Equal("Tuned lens", await page.Locator("h1").TextContentAsync());
            Assert.Equal("tuned", await page.Locator("[data-testid=lens-type]").InputValueAsync());
            var strings = Gpt2Tokenizer.CreateDefault();
            for (var p = 0; p < tokens.Length; p++)
            {
                var cell = page.Locator("tr[data-layer='0'] td.lens-cell").Nth(p);
                Assert.Equal(Visible(strings.GetTokenStrings([expected[0].Top[p][0].TokenId])[0]), await cell.TextContentAsync());
            }
            AssertNoScriptErrors();
            await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "circuits-tuned-lens.png"), FullPage = true });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task AttributionPage_OpenedWithAQuery_TableSortsChartDrawsAndAFeatureLinkOpensItsPage()
    {
        chromium.SkipWhenUnavailable();
        var page = await NewPageAsync();
        using var client = app.CreateClient();
        var api = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/attribute", new { modelId = Model, prompt = Prompt, target = ",", distractor = " the" }));

        await page.GotoAsync($"{Model}/circuits/attribution?prompt={Uri.EscapeDataString(Prompt)}&target=%2C&distractor=%20the");

        // The estimates come first; the table is drawn again once the exact effects of the top 20 are measured.
        await page.Locator(".circuit-output[data-phase=done]").WaitForAsync();
        var rows = page.Locator("[data-testid=attribution-table] tbody tr");
        var count = api.GetProperty("components").GetArrayLength() + api.GetProperty("features").GetArrayLength() + api.GetProperty("sae_errors").GetArrayLength();
        Assert.Equal(count, await rows.CountAsync());
        var measured = api.GetProperty("components").EnumerateArray().Concat(api.GetProperty("features").EnumerateArray())
            .Count(n => n.GetProperty("exact_total").ValueKind == JsonValueKind.Number);
        Assert.Equal(measured, (await page.Locator("[data-testid=attribution-table] tbody tr td:nth-child(7)").AllTextContentsAsync()).Count(t => t != "–"));
        Assert.Contains(api.GetProperty("logit_diff").GetSingle().ToString("0.0000", CultureInfo.InvariantCulture), await page.Locator("[data-testid=summary]").TextContentAsync());
        Assert.Contains("equal within 1e-4", await page.Locator("[data-testid=summary]").TextContentAsync());
        // Two layers × (heads, MLP, features).
        Assert.Equal(6, await page.Locator("[data-testid=layer-chart] rect").CountAsync());

        // Each head names its largest direct effects by source position on hover.
        var sources = await page.Locator("[data-testid=head-sources]", new() { HasText = "L1H0" }).GetAttributeAsync("title");
        Assert.StartsWith("L1H0 by source position: ", sources);
        var bySource = api.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "L1H0").GetProperty("by_source").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        var largest = Enumerable.Range(0, bySource.Length).MaxBy(s => Math.Abs(bySource[s]));
        Assert.Contains($": {largest} “", sources);

        // Sorting by act × grad: largest |value| first, then reversed.
        await page.Locator("button.sort[data-key=act_times_grad]").ClickAsync();
        var sorted = await Column(page, 5);
        Assert.Equal(sorted.OrderByDescending(Math.Abs), sorted);
        Assert.Equal("descending", await page.Locator("th:has(button[data-key=act_times_grad])").GetAttributeAsync("aria-sort"));
        await page.Locator("button.sort[data-key=act_times_grad]").ClickAsync();
        var reversed = await Column(page, 5);
        Assert.Equal(reversed.OrderBy(Math.Abs), reversed);
        await page.Locator("button.sort[data-key=node]").ClickAsync();
        var names = await page.Locator("[data-testid=attribution-table] tbody tr td:first-child").AllTextContentsAsync();
        Assert.Equal(names.OrderByDescending(n => n, StringComparer.Ordinal), names);
        AssertNoScriptErrors();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "circuits-attribution.png"), FullPage = true });

        var feature = api.GetProperty("features")[0];
        var link = page.Locator("[data-testid=feature-link]", new() { HasTextRegex = new System.Text.RegularExpressions.Regex($"^{LiveAtlasApp.LiveSae} #{feature.GetProperty("index").GetInt32()}$") }).First;
        var opened = page.WaitForURLAsync($"**/{LiveAtlasApp.FeaturePath(feature.GetProperty("index").GetInt32())}");
        await link.ClickAsync();
        await opened;
        Assert.Contains($"#{feature.GetProperty("index").GetInt32()}", await page.Locator("h1").TextContentAsync());
    }

    [Fact]
    public async Task PatchingPage_OpenedWithAQuery_HeatmapsLabelledWithTokensAgreeWithTheApi()
    {
        chromium.SkipWhenUnavailable();
        const string clean = "The cat sat on the";
        const string corrupted = "The dog sat on the";
        var page = await NewPageAsync();
        using var client = app.CreateClient();
        var api = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/patch", new { modelId = Model, clean, corrupted, target = " mat", distractor = " floor" }));

        await page.GotoAsync($"{Model}/circuits/patching?clean={Uri.EscapeDataString(clean)}&corrupted={Uri.EscapeDataString(corrupted)}&target=%20mat&distractor=%20floor");

        var resid = page.Locator("[data-testid=heatmap-resid_pre]");
        await resid.WaitForAsync();
        Assert.Equal(["layer", "<|endoftext|>", "The", "·cat / ·dog", "·sat", "·on", "·the"], await resid.Locator("thead th").AllTextContentsAsync());
        Assert.Equal(2 * 6, await resid.Locator("tbody td").CountAsync());
        Assert.Equal(2 * 2, await page.Locator("[data-testid=heatmap-heads] tbody td").CountAsync());
        Assert.Equal(["layer", "H0", "H1"], await page.Locator("[data-testid=heatmap-heads] thead th").AllTextContentsAsync());
        var cell = api.GetProperty("resid_pre")[1][2].GetSingle();
        Assert.Equal(cell.ToString("0.00", CultureInfo.InvariantCulture), await resid.Locator("tbody tr").Nth(1).Locator("td").Nth(2).TextContentAsync());
        Assert.Contains(api.GetProperty("clean_metric").GetSingle().ToString("0.0000", CultureInfo.InvariantCulture), await page.Locator("[data-testid=summary]").TextContentAsync());
        AssertNoScriptErrors();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "circuits-patching.png"), FullPage = true });
    }

    [Fact]
    public async Task AblationPage_OpenedWithAQuery_ShowsBeforeAndAfterAsTheApiDoes()
    {
        chromium.SkipWhenUnavailable();
        var page = await NewPageAsync();
        using var client = app.CreateClient();
        var api = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/ablate", new
        {
            modelId = Model, prompt = Prompt, target = ",", features = new object[] { new { sae = LiveAtlasApp.LiveSae, index = 3, value = 50.0 }, new { sae = LiveAtlasApp.LiveSae, index = 5, positions = new[] { 2, 3 } } },
        }));

        await page.GotoAsync($"{Model}/circuits/ablation?prompt={Uri.EscapeDataString(Prompt)}&target=%2C&f={LiveAtlasApp.LiveSae}:3:50&f={Uri.EscapeDataString($"{LiveAtlasApp.LiveSae}:5@2,3")}");

        var before = page.Locator("[data-testid=top-before] tbody tr");
        await before.First.WaitForAsync();
        Assert.Equal(10, await before.CountAsync());
        Assert.Equal(2, await page.Locator(".ablation-row").CountAsync());
        var summary = await page.Locator("[data-testid=summary]").TextContentAsync();
        Assert.Contains(api.GetProperty("kl").GetDouble().ToString("0.00000", CultureInfo.InvariantCulture), summary);
        Assert.Contains(api.GetProperty("metric_after").GetSingle().ToString("0.0000", CultureInfo.InvariantCulture), summary);
        Assert.Equal(api.GetProperty("features").GetArrayLength(), await page.Locator("[data-testid=edits] li").CountAsync());
        var after = api.GetProperty("top_after")[0].GetProperty("after").GetDouble();
        Assert.Equal(after, Number(await page.Locator("[data-testid=top-after] tbody tr td").Nth(2).TextContentAsync()), 5e-3 * after);
        Assert.Equal(api.GetProperty("top_after")[0].GetProperty("token").GetString()!.TrimStart(' '), (await page.Locator("[data-testid=top-after] tbody tr code").First.TextContentAsync())!.TrimStart('·'));
        AssertNoScriptErrors();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "circuits-ablation.png"), FullPage = true });
    }

    [Fact]
    public async Task CircuitsIndex_FromTheModelPageAndTheMenu_LinksEveryTool()
    {
        chromium.SkipWhenUnavailable();
        var page = await NewPageAsync();
        await page.GotoAsync(Model);

        var opened = page.WaitForURLAsync($"**/{Model}/circuits");
        await page.Locator("[data-testid=circuits-link]").ClickAsync();
        await opened;

        foreach (var tool in new[] { "lens", "attribution", "patching", "ablation" })
        {
            Assert.Equal($"/{Model}/circuits/{tool}", await page.Locator($"[data-testid=tool-{tool}]").GetAttributeAsync("href"));
        }
        AssertNoScriptErrors();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "circuits-index.png"), FullPage = true });
        await page.Locator("header.top a[href='/circuits']").ClickAsync();
        await page.Locator($"[data-testid=circuit-models] a[href='/{Model}/circuits']").WaitForAsync();
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("no-such-model/circuits/lens")).StatusCode);
    }

    private readonly List<string> _scriptErrors = [];

    /// <summary>A page whose script errors fail the test when it ends (a handler that threw would only close the page).</summary>
    private async Task<IPage> NewPageAsync()
    {
        var page = await chromium.NewPageAsync(app);
        page.PageError += (_, e) => _scriptErrors.Add(e);
        return page;
    }

    private void AssertNoScriptErrors() => Assert.True(_scriptErrors.Count == 0, string.Join("\n", _scriptErrors));

    private static async Task<double[]> Column(IPage page, int column) =>
        (await page.Locator($"[data-testid=attribution-table] tbody tr td:nth-child({column + 1})").AllTextContentsAsync())
        .Select(t => t == "–" ? 0 : double.Parse(t, CultureInfo.InvariantCulture)).ToArray();

    private static double Number(string? text) => double.Parse(text!, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Visible(string token) => token.Replace("\n", "↵", StringComparison.Ordinal).Replace("\t", "⇥", StringComparison.Ordinal) switch
    {
        var t when t.StartsWith(' ') => "·" + t[1..],
        var t => t,
    };
}
