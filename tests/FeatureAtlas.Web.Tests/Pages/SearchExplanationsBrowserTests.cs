using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Web.Tests.TestSupport;
using Microsoft.Playwright;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>
/// The SAE multi-select of /search-explanations in Chromium, on an app of its own with two models: it offers only
/// the chosen model's SAEs, and searching with some of them selected lists only their features.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SearchExplanationsBrowserTests(Chromium chromium, SqliteAtlasApp app) : IClassFixture<SqliteAtlasApp>
{
    private const string Other = "pythia";

    [Fact]
    public async Task SaeMultiSelect_ChooseModelAndOneSae_ShowsOnlyItsSaesAndOnlyThatSaesMatches()
    {
        chromium.SkipWhenUnavailable();
        var ct = CancellationToken.None;
        await app.Store.Models.UpsertModelAsync(new ModelRecord(Other, null, "{}", 6, 512, 50304), ct);
        await app.Store.Models.UpsertSaeAsync(new SaeRecord(Other, "pythia-res3", null, "blocks.3.hook_resid_pre", 3, 512, 64, "standard", "{}"), ct);
        await app.Store.Models.UpsertSaeAsync(new SaeRecord(AtlasApp.Model, "res9", null, "blocks.9.hook_resid_pre", 9, 768, AtlasApp.DSae, "standard", "{}"), ct);
        var user = await app.SignUpAsync();
        foreach (var (model, sae, index) in new[] { (AtlasApp.Model, AtlasApp.Sae, 3), (AtlasApp.Model, "res9", 4), (AtlasApp.Model, "res9", 5), (Other, "pythia-res3", 6) })
        {
            await app.Store.Explanations.AddManualExplanationAsync(user.Actor, new FeatureKey(model, sae, index), "quokka smiles", ct);
        }
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync("search-explanations");
        var form = page.GetByTestId("search-explanations");
        var saes = form.GetByTestId("sae-filter");

        await Microsoft.Playwright.Assertions.Expect(saes).ToBeDisabledAsync();
        await form.GetByLabel("Model").SelectOptionAsync(AtlasApp.Model);
        await Microsoft.Playwright.Assertions.Expect(saes).ToBeEnabledAsync();
        var visible = await saes.Locator("option").EvaluateAllAsync<string[]>("os => os.filter(o => !o.parentElement.hidden).map(o => o.value)");
        Assert.Equal([AtlasApp.Sae, "res9"], visible);
        await saes.SelectOptionAsync(["res9"]);
        await form.GetByLabel("Search explanations").FillAsync("quokka");
        // Waiting from before the click: a wait begun after it can miss a navigation that has already happened.
        var searched = page.WaitForURLAsync(url => url.Contains("sae=res9"));
        await form.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await searched;

        var links = await page.GetByTestId("explanation-result").Locator("a").EvaluateAllAsync<string[]>("a => a.map(e => e.getAttribute('href'))");
        Assert.Equal([$"/{AtlasApp.Model}/res9/4", $"/{AtlasApp.Model}/res9/5"], links.Order());
        Assert.Equal(["res9"], await saes.Locator("option:checked").EvaluateAllAsync<string[]>("os => os.map(o => o.value)"));

        Directory.CreateDirectory(Chromium.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "search-explanations-saes.png"), FullPage = true });
        await page.Context.CloseAsync();
    }
}
