using System.Net;
using System.Net.Http.Json;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Auth;

/// <summary>The circuit endpoints spend the inference budget every model-running endpoint shares: past it, 429 ProblemDetails with Retry-After.</summary>
public sealed class CircuitsBudgetTests(InferenceLimitedAtlasApp app) : IClassFixture<InferenceLimitedAtlasApp>
{
    [Fact]
    public async Task AttributePatchAblate_BurstPastTheBudget_Answer429WithRetryTime()
    {
        using var client = app.CreateClient();
        var attribute = new { modelId = AtlasApp.Model, prompt = "hello", target = " the" };
        var patch = new { modelId = AtlasApp.Model, clean = "hello", corrupted = "howdy", target = " the", distractor = "." };
        var ablate = new { modelId = AtlasApp.Model, prompt = "hello", features = new[] { new { sae = AtlasApp.Sae, index = 1 } } };
        // Within the budget each request goes on to run the model (503 here: its weights are not on this server).
        await HttpAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, await client.PostAsJsonAsync("api/attribute", attribute));
        await HttpAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, await client.PostAsJsonAsync("api/patch", patch));
        await HttpAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, await client.PostAsJsonAsync("api/ablate", ablate));
        Assert.Equal(3, InferenceLimitedAtlasApp.PerClient);

        foreach (var (path, body) in new (string, object)[] { ("api/attribute", attribute), ("api/patch", patch), ("api/ablate", ablate) })
        {
            var response = await client.PostAsJsonAsync(path, body);
            await HttpAssert.ProblemAsync(HttpStatusCode.TooManyRequests, response);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"{path}'s 429 carries Retry-After");
        }
    }
}
