using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>"Test this feature" in Chromium, for a text the feature ignores: it says so, not "max 0 at token 0".</summary>
[Collection(BrowserCollection.Name)]
public sealed class FeatureTestBoxBrowserTests(Chromium chromium, LiveAtlasApp app)
{
    private const string Text = "the";

    [Fact]
    public async Task TestBox_TextTheFeatureIgnores_SaysItDidNotFire()
    {
        chromium.SkipWhenUnavailable();
        // A feature that is 0 on every token of the text after BOS, found with the SAE's full encode.
        var session = InferenceSession.Load(app.ModelDirectory, [app.SaeDirectory]);
        var tokens = Gpt2Tokenizer.CreateDefault().Encode(Text, prependBos: true);
        var features = session.Run(tokens, logits: false).Features[LiveAtlasApp.LiveSae];
        var silent = Enumerable.Range(0, LiveAtlasApp.LiveDSae).First(f => Enumerable.Range(1, tokens.Length - 1).All(t => features.Row(t)[f] <= 0));
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync(LiveAtlasApp.FeaturePath(silent));

        await page.Locator("[data-testid=test-form] textarea").FillAsync(Text);
        await page.Locator("[data-testid=test-form] button[type=submit]").ClickAsync();

        var status = page.Locator("[data-testid=test-form] .status");
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=test-form] .status').textContent.startsWith('Did not fire')");
        Assert.Equal("Did not fire: this feature is 0 on every token of this text.", await status.InnerTextAsync());
        await page.Context.CloseAsync();
    }
}
