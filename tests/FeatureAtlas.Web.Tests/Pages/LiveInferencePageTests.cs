using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using System.Web;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>
/// Live inference in Chromium on the tiny model: "test this feature" on a feature page (POST /api/activation/new)
/// and search by inference (/search?model=&amp;text=), each checked against an independent run.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class LiveInferencePageTests(Chromium chromium, LiveAtlasApp app)
{
    private const string Text = "Call me Ishmael, then if (x) { y = f(x); } at sea";

    /// <summary>The feature's activation on every token of BOS + <paramref name="text"/>, by Core directly.</summary>
    private float[] CoreActivations(string text, int index)
    {
        var session = InferenceSession.Load(app.ModelDirectory, [app.SaeDirectory]);
        var tokens = Gpt2Tokenizer.CreateDefault().Encode(text, prependBos: true);
        var features = session.Run(tokens, logits: false).Features[LiveAtlasApp.LiveSae];
        return Enumerable.Range(0, tokens.Length).Select(t => features.Row(t)[index]).ToArray();
    }

    [Fact]
    public async Task TestThisFeature_CustomText_ShowsTokensTitledWithTheApiValues()
    {
        chromium.SkipWhenUnavailable();
        var stored = await FeaturePageTests.BusiestFeatureAsync(app);
        // The request the page makes, by HttpClient: the page must show exactly what the API answers.
        using var client = app.CreateClient();
        var api = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/activation/new", new
        {
            feature = new { modelId = LiveAtlasApp.LiveModel, source = LiveAtlasApp.LiveSae, index = stored.Index },
            customText = Text,
            ignoreBos = true,
        }));
        var tokens = api.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToArray();
        var values = api.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync(LiveAtlasApp.FeaturePath(stored.Index));

        await page.GetByLabel("Text to test").FillAsync(Text);
        await page.Locator("[data-testid=test-form] button[type=submit]").ClickAsync();

        var spans = page.Locator(".test-result .tok");
        await spans.First.WaitForAsync();
        var titles = await spans.EvaluateAllAsync<string[]>("s => s.map(e => e.title)");
        var shown = await spans.AllTextContentsAsync();

        Assert.Equal(tokens.Length, values.Length);
        Assert.Equal(tokens.Length, titles.Length);
        for (var i = 0; i < tokens.Length; i++)
        {
            // Three decimals from 1 up, three significant digits below (0.00214, not 0), as ViewHelpers.Value.
            var title = double.Parse(titles[i], CultureInfo.InvariantCulture);
            if (Math.Abs(values[i]) >= 1 || values[i] == 0) Assert.Equal(Math.Round(values[i], 3), title, 6);
            else Assert.True(Math.Abs(title - values[i]) <= 0.005 * Math.Abs(values[i]), $"token {i}: {titles[i]} for {values[i]}");
            Assert.Equal(tokens[i].Replace("\n", "↵").Replace("\t", "⇥").Replace("\r", ""), shown[i]);
        }
        Assert.Contains(values, v => v > 0);

        // And the API answers the model's real activations (Core run on the same files; BOS may be left out).
        var core = CoreActivations(Text, stored.Index);
        var tail = core[^values.Length..];
        for (var i = 0; i < values.Length; i++) Assert.Equal(tail[i], values[i], 1e-4f);

        // The text is in the URL, so the result can be shared.
        Assert.Equal(Text, HttpUtility.ParseQueryString(new Uri(page.Url).Query)["text"]);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TestThisFeature_OpenedWithTextInTheUrl_RunsAtOnce()
    {
        chromium.SkipWhenUnavailable();
        var page = await chromium.NewPageAsync(app);

        await page.GotoAsync($"{LiveAtlasApp.FeaturePath(4)}?text={Uri.EscapeDataString(Text)}");

        var status = page.Locator("[data-testid=test-form] .status");
        await page.WaitForFunctionAsync("s => s.textContent && s.textContent !== 'Running…'", await status.ElementHandleAsync());
        Assert.Matches(MaxStatus(), await status.TextContentAsync() ?? "");
        Assert.True(await page.Locator(".test-result .tok").CountAsync() > 1);
        Assert.Equal(Text, await page.GetByLabel("Text to test").InputValueAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Search_Text_ShowsRankedResultsLinkingToFeaturePages()
    {
        chromium.SkipWhenUnavailable();
        var page = await chromium.NewPageAsync(app);

        var response = await page.GotoAsync($"search?model={LiveAtlasApp.LiveModel}&text={Uri.EscapeDataString(Text)}");

        Assert.Equal(200, response!.Status);
        var links = page.Locator($"main a[href^='/{LiveAtlasApp.LiveModel}/{LiveAtlasApp.LiveSae}/']");
        Assert.True(await links.CountAsync() > 0, "search shows no result linking to a feature page");
        var hrefs = await links.EvaluateAllAsync<string[]>("a => a.map(e => e.getAttribute('href'))");
        var indexes = hrefs.Select(h => int.Parse(FeatureIndex().Match(h).Groups[1].Value, CultureInfo.InvariantCulture)).Distinct().ToArray();

        // Ranked: the first result is a feature that fires on this text, and at least as strongly as the last.
        var max = indexes.ToDictionary(i => i, i => CoreActivations(Text, i)[1..].Max());
        Assert.True(max[indexes[0]] > 0, $"top result {indexes[0]} does not fire on the text");
        Assert.True(max[indexes[0]] >= max[indexes[^1]], $"results are not ranked: {string.Join(", ", indexes.Select(i => $"{i}:{max[i]}"))}");

        Directory.CreateDirectory(Chromium.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "search.png"), FullPage = true });

        var opened = page.WaitForURLAsync($"**/{LiveAtlasApp.FeaturePath(indexes[0])}*");
        await links.First.ClickAsync();
        await opened;
        Assert.True(await page.Locator("[data-testid=top-examples] .tokens").CountAsync() > 0);
        await page.Context.CloseAsync();
    }

    [GeneratedRegex(@"/(\d+)(?:[?#].*)?$")]
    private static partial Regex FeatureIndex();

    [GeneratedRegex(@"^max [0-9.e\-]+ at token \d+ \("".*""\)$")]
    private static partial Regex MaxStatus();
}
