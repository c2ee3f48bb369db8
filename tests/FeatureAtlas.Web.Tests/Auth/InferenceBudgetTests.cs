using System.Net;
using System.Net.Http.Json;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Auth;

/// <summary>
/// Every path that runs the model spends one budget per client: the search page (GET), the SAE comparison page and
/// the inference API (POST) together. Past it, the page is shown with a "too many requests, retry in N s" message and 429, the API answers 429
/// ProblemDetails; both carry Retry-After.
/// </summary>
public sealed class InferenceBudgetTests(InferenceLimitedAtlasApp app) : IClassFixture<InferenceLimitedAtlasApp>
{
    private static readonly string Search = $"search?model={AtlasApp.Model}&text=hello";

    [Fact]
    public async Task SearchPageAndApi_BurstPastTheBudget_Answer429WithRetryTime()
    {
        using var client = app.CreateClient();
        var activation = new { feature = new { modelId = AtlasApp.Model, source = AtlasApp.Sae, index = 1 }, customText = "hello" };
        // Within the budget each request goes on to run the model (503 here: its weights are not on this server).
        await HttpAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, await client.GetAsync(Search));
        await HttpAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, await client.PostAsJsonAsync("api/search-all", new { modelId = AtlasApp.Model, text = "hello" }));
        await HttpAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, await client.GetAsync(Search));
        Assert.Equal(3, InferenceLimitedAtlasApp.PerClient);

        var page = await client.GetAsync(Search);
        var api = await client.PostAsJsonAsync("api/activation/new", activation);
        var blank = await client.GetAsync($"search?model={AtlasApp.Model}");
        var compare = await client.GetAsync($"compare?model={AtlasApp.Model}&a={AtlasApp.Sae}&b={AtlasApp.Sae}");

        await HttpAssert.StatusAsync(HttpStatusCode.TooManyRequests, page);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Matches(@"Too many requests[^<]*retry in \d+ s", html);
        Assert.Contains("data-testid=\"search-form\"", html);
        Assert.True(page.Headers.RetryAfter?.Delta > TimeSpan.Zero, "the page's 429 carries Retry-After");
        await HttpAssert.ProblemAsync(HttpStatusCode.TooManyRequests, api);
        Assert.True(api.Headers.RetryAfter?.Delta > TimeSpan.Zero, "the API's 429 carries Retry-After");
        // Comparing two SAEs (loading them and two all-against-all GEMMs) spends the same budget.
        await HttpAssert.StatusAsync(HttpStatusCode.TooManyRequests, compare);
        Assert.Matches(@"Too many requests[^<]*retry in \d+ s", await compare.Content.ReadAsStringAsync());
        // The search page without a text runs nothing, so it is shown whatever the budget.
        await HttpAssert.StatusAsync(HttpStatusCode.OK, blank);
    }
}
