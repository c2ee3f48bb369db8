using System.Net;
using System.Net.Http.Json;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Auth;

/// <summary>Going over the per-client write budget: 429 with a ProblemDetails body and Retry-After; nothing is written.</summary>
public sealed class RateLimitTests(LimitedAtlasApp app) : IClassFixture<LimitedAtlasApp>
{
    [Fact]
    public async Task CommentNew_OverTheWriteBudget_Returns429AndWritesNothing()
    {
        // Sign-up posts a form, which counts against the same client's page-form budget, not the API's.
        var user = await app.SignUpAsync();
        var body = new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 2, text = "budget" };
        for (var i = 0; i < LimitedAtlasApp.Writes; i++)
        {
            var ok = await user.Client.PostAsJsonAsync("api/comment/new", body);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var refused = await user.Client.PostAsJsonAsync("api/comment/new", body);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 carries Retry-After");
        var comments = await app.Store.Social.ListCommentsAsync(new(AtlasApp.Model, AtlasApp.Sae, 2), CancellationToken.None);
        Assert.Equal(LimitedAtlasApp.Writes, comments.Count(c => c.Text == "budget"));
    }
}
