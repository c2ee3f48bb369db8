using System.Net;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Security;

/// <summary>
/// Who may frame what: feature and list pages may be embedded anywhere in embed mode (<c>?embed=true</c>); every
/// other page (sign-in, sign-up, settings, search, the API documentation) refuses framing by other sites whatever its
/// query. Every answer carries a Permissions-Policy that turns off powerful browser features.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class FramingHeaderTests(LiveAtlasApp app)
{
    private static string[] Directives(HttpResponseMessage response) =>
        Assert.Single(response.Headers.GetValues("Content-Security-Policy")).Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static void AssertPermissionsPolicy(HttpResponseMessage response)
    {
        var policy = Assert.Single(response.Headers.GetValues("Permissions-Policy"));
        foreach (var feature in new[] { "camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()" }) Assert.Contains(feature, policy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?embed=true")]
    [InlineData("account/signin?embed=true")]
    [InlineData("account/signup?embed=true")]
    [InlineData("account/settings?embed=true")]
    [InlineData("search?embed=true")]
    [InlineData("search-explanations?q=sea&embed=true")]
    [InlineData(LiveAtlasApp.LiveModel + "?embed=true")]
    [InlineData(LiveAtlasApp.LiveModel + "/" + LiveAtlasApp.LiveSae + "?embed=true")]
    [InlineData("api-doc/index.html")]
    [InlineData("api-doc/index.html?embed=true")]
    public async Task Page_NotEmbeddable_RefusesFramingEvenInEmbedMode(string path)
    {
        using var client = app.CreateClient();

        var response = await client.GetAsync(path);

        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect, $"{path} answered {(int)response.StatusCode}");
        var directives = Directives(response);
        Assert.Contains("frame-ancestors 'self'", directives);
        Assert.Contains("script-src 'self'", directives);
        Assert.Contains("object-src 'none'", directives);
        Assert.Equal("SAMEORIGIN", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        AssertPermissionsPolicy(response);
    }

    [Fact]
    public async Task FeatureAndListPages_EmbedMode_MayBeFramedAnywhere()
    {
        var owner = await app.SharedUserAsync("framer");
        var list = await app.Store.Lists.CreateListAsync(owner.Actor, "framed list", null, null, isPublic: true, CancellationToken.None);
        using var client = app.CreateClient();

        foreach (var path in new[] { LiveAtlasApp.FeaturePath(3) + "?embed=true", $"list/{list.Slug}?embed=true" })
        {
            var response = await client.GetAsync(path);

            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
            var directives = Directives(response);
            Assert.Contains("frame-ancestors *", directives);
            Assert.Contains("script-src 'self'", directives);
            Assert.False(response.Headers.Contains("X-Frame-Options"), path);
            AssertPermissionsPolicy(response);
        }
    }

    [Fact]
    public async Task FeaturePage_WithoutEmbed_RefusesFraming()
    {
        using var client = app.CreateClient();

        var response = await client.GetAsync(LiveAtlasApp.FeaturePath(3));

        Assert.Contains("frame-ancestors 'self'", Directives(response));
        Assert.Equal("SAMEORIGIN", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }
}
