using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Security;

/// <summary>The API documentation (Swagger UI) works under the site's Content-Security-Policy, which it now carries.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ApiDocBrowserTests(Chromium chromium, LiveAtlasApp app)
{
    [Fact]
    public async Task ApiDoc_UnderTheSitePolicy_RendersTheOperationsWithNoViolation()
    {
        chromium.SkipWhenUnavailable();
        var page = await chromium.NewPageAsync(app);
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) lock (violations) violations.Add(message.Text);
        };

        await page.GotoAsync("api-doc/index.html");
        await page.WaitForSelectorAsync(".opblock-summary-path");

        Assert.Contains("FeatureAtlas", await page.InnerTextAsync(".info .title"), StringComparison.Ordinal);
        Assert.True(await page.Locator(".opblock-summary-path").CountAsync() > 10, "the operations are listed");
        lock (violations) Assert.Empty(violations);
        await page.Context.CloseAsync();
    }
}
