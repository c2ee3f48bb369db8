using System.Net;
using System.Net.Http.Json;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Auth;

/// <summary>
/// Accounts from one network address share its inference budget, so signing up many accounts does not multiply
/// what one address may run.
/// </summary>
public sealed class InferenceAddressBudgetTests(InferenceLimitedAtlasApp app) : IClassFixture<InferenceLimitedAtlasApp>
{
    private static readonly object Body = new { modelId = AtlasApp.Model, text = "hello" };

    [Fact]
    public async Task SearchAll_SecondAccountFromTheSameAddress_Gets429WhenTheAddressBudgetIsSpent()
    {
        var first = await app.SignUpAsync("first");
        var second = await app.SignUpAsync("second");
        for (var i = 0; i < InferenceLimitedAtlasApp.PerClient; i++)
        {
            await HttpAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, await first.Client.PostAsJsonAsync("api/search-all", Body));
        }
        // The first account's own budget is spent (its API key is the same client as its cookie).
        await HttpAssert.ProblemAsync(HttpStatusCode.TooManyRequests, await first.KeyClient.PostAsJsonAsync("api/search-all", Body));

        var allowed = InferenceLimitedAtlasApp.PerAddress - InferenceLimitedAtlasApp.PerClient;
        for (var i = 0; i < allowed; i++)
        {
            await HttpAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, await second.Client.PostAsJsonAsync("api/search-all", Body));
        }
        Assert.True(allowed < InferenceLimitedAtlasApp.PerClient, "the second account still has budget of its own");
        await HttpAssert.ProblemAsync(HttpStatusCode.TooManyRequests, await second.Client.PostAsJsonAsync("api/search-all", Body));
    }
}
