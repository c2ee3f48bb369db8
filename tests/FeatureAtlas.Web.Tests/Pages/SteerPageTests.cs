using System.Net.Http.Json;
using FeatureAtlas.Web.Tests.TestSupport;
using Microsoft.Playwright;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>
/// The steering page in Chromium on the tiny live model: from a feature page's "Steer" button, the slider moved
/// from the keyboard, both columns filled by the stream and equal to the API's answer, hover showing the top-5
/// logprobs, and the share link reloading the same run; the page also works as a framable embed.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SteerPageTests(Chromium chromium, LiveAtlasApp app)
{
    [Fact]
    public async Task SteerButton_SliderToTheEnd_BothColumnsFillAndTheShareLinkReloadsTheRun()
    {
        chromium.SkipWhenUnavailable();
        var stored = await FeaturePageTests.BusiestFeatureAsync(app);
        var page = await chromium.NewPageAsync(app);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(LiveAtlasApp.FeaturePath(stored.Index));

        var opened = page.WaitForURLAsync("**/steer?**");   // from before the click, which may navigate before a later wait begins
        await page.Locator("[data-testid=steer]").ClickAsync();
        await opened;
        var strength = page.Locator("[data-testid=strength]");
        Assert.Equal(Math.Round(stored.MaxActivation, 3), double.Parse(await strength.InputValueAsync(), System.Globalization.CultureInfo.InvariantCulture), 6);

        // The exponential slider's far end is +300 × multiplier (1 here), reached from the keyboard.
        var slider = page.Locator(".strength-slider");
        await slider.FocusAsync();
        await page.Keyboard.PressAsync("End");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.Equal("300", await strength.InputValueAsync());
        await page.Locator("details.advanced summary").ClickAsync();
        await page.Locator("[data-testid=n-tokens]").FillAsync("8");
        await page.Locator("input[name=temperature]").FillAsync("0");
        await page.Locator("[data-testid=steer-prompt]").FillAsync("Call me Ishmael. Some years ago");
        await page.Locator("[data-testid=steer-run]").ClickAsync();

        var steered = page.Locator("[data-testid=steered-output] .gen");
        var normal = page.Locator("[data-testid=default-output] .gen");
        await page.Locator("[data-testid=share-link]:not([hidden])").WaitForAsync();
        Assert.Equal(8, await steered.CountAsync());
        Assert.Equal(8, await normal.CountAsync());
        var steeredText = await page.Locator("[data-testid=steered-output]").TextContentAsync();
        var normalText = await page.Locator("[data-testid=default-output]").TextContentAsync();

        // The same settings through the API answer the saved run the page made, with the same texts.
        using var client = app.CreateClient();
        var api = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/steer", new
        {
            prompt = "Call me Ishmael. Some years ago", modelId = LiveAtlasApp.LiveModel,
            features = new[] { new { modelId = LiveAtlasApp.LiveModel, layer = LiveAtlasApp.LiveSae, index = stored.Index, strength = 300.0 } },
            temperature = 0, n_tokens = 8, freq_penalty = 0, seed = 16, strength_multiplier = 1, steer_method = "SIMPLE_ADDITIVE", steer_positions = "ALL",
        }));
        Assert.True(api.GetProperty("cached").GetBoolean());
        Assert.Equal(api.GetProperty("STEERED").GetString(), steeredText);
        Assert.Equal(api.GetProperty("DEFAULT").GetString(), normalText);

        // Hovering a generated token shows its top-5 alternatives with logprobs.
        await steered.Nth(2).HoverAsync();
        var tip = page.Locator("[data-testid=logprob-tip]");
        await tip.WaitForAsync(new() { State = WaitForSelectorState.Visible });
        Assert.Equal(5, await tip.Locator(".tip-row").CountAsync());
        var top = api.GetProperty("steeredLogProbs")[2].GetProperty("topLogprobs")[0];
        Assert.Contains(top.GetProperty("token").GetString()!.Replace("\n", "↵"), await tip.Locator(".tip-row").First.TextContentAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "steer.png"), FullPage = true });

        // The share link is the saved run: reloading it shows the same texts and settings.
        var link = await page.Locator("[data-testid=share-link]").GetAttributeAsync("href");
        Assert.Equal($"/steer/{api.GetProperty("id").GetString()}", link);
        var reloaded = await chromium.NewPageAsync(app);
        await reloaded.GotoAsync(link!);
        Assert.Equal(steeredText, await reloaded.Locator("[data-testid=steered-output]").TextContentAsync());
        Assert.Equal(normalText, await reloaded.Locator("[data-testid=default-output]").TextContentAsync());
        Assert.Equal("300", await reloaded.Locator("[data-testid=strength]").InputValueAsync());
        Assert.Equal("8", await reloaded.Locator("[data-testid=n-tokens]").InputValueAsync());
        await reloaded.Locator("[data-testid=default-output] .gen").First.FocusAsync();
        await reloaded.Locator("[data-testid=logprob-tip]").WaitForAsync(new() { State = WaitForSelectorState.Visible });
    }

    [Fact]
    public async Task SteerPage_Embed_NoSiteChromeAndFramable()
    {
        chromium.SkipWhenUnavailable();
        var page = await chromium.NewPageAsync(app);

        var response = await page.GotoAsync($"steer?model={LiveAtlasApp.LiveModel}&f={LiveAtlasApp.LiveSae}:3:25&embed=true");

        Assert.Equal(200, response!.Status);
        Assert.Equal(0, await page.Locator("header.top").CountAsync());
        Assert.Contains("frame-ancestors *", (await response.AllHeadersAsync())["content-security-policy"]);
        Assert.Equal("25", await page.Locator("[data-testid=strength]").InputValueAsync());
        Assert.Equal(1, await page.Locator("[data-testid=steer-form] input[name=embed][value=true]").CountAsync());
    }
}
