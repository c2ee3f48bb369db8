using System.Net;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Security;

/// <summary>Every kind of page carries the Content-Security-Policy that keeps injected markup from running.</summary>
[Collection(BrowserCollection.Name)]
public sealed class CspHeaderTests(LiveAtlasApp app)
{
    [Theory]
    [InlineData("", HttpStatusCode.OK)]
    [InlineData(LiveAtlasApp.LiveModel, HttpStatusCode.OK)]
    [InlineData(LiveAtlasApp.LiveModel + "/" + LiveAtlasApp.LiveSae, HttpStatusCode.OK)]
    [InlineData(LiveAtlasApp.LiveModel + "/" + LiveAtlasApp.LiveSae + "/3?text=%3Cscript%3E", HttpStatusCode.OK)]
    [InlineData("search-explanations?q=%3Cscript%3E", HttpStatusCode.OK)]
    [InlineData(LiveAtlasApp.LiveModel + "/circuits", HttpStatusCode.OK)]
    [InlineData(LiveAtlasApp.LiveModel + "/circuits/attribution?prompt=%3Cscript%3E&target=%3Cb%3E", HttpStatusCode.OK)]
    [InlineData("no-such-model/circuits/lens", HttpStatusCode.NotFound)]
    [InlineData("account/signup", HttpStatusCode.OK)]
    [InlineData("account/signin", HttpStatusCode.OK)]
    [InlineData("user/nobody-here", HttpStatusCode.NotFound)]
    [InlineData("list/nosuchlist00", HttpStatusCode.NotFound)]
    public async Task Page_AnyKind_HasScriptSrcSelfPolicy(string path, HttpStatusCode status)
    {
        using var client = app.CreateClient();

        var response = await client.GetAsync(path);

        Assert.Equal(status, response.StatusCode);
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        var directives = policy.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("script-src 'self'", directives);
        Assert.Contains("object-src 'none'", directives);
        Assert.Contains("base-uri 'self'", directives);
        Assert.Contains("frame-ancestors 'self'", directives);
        Assert.DoesNotContain(directives, d => d.StartsWith("script-src", StringComparison.Ordinal) && (d.Contains("unsafe") || d.Contains('*')));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task Page_Embed_MayBeFramedButKeepsScriptPolicy()
    {
        using var client = app.CreateClient();

        var response = await client.GetAsync(LiveAtlasApp.FeaturePath(3) + "?embed=true");

        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors *", policy);
        Assert.Contains("script-src 'self'", policy);
        Assert.False(response.Headers.Contains("X-Frame-Options"));
    }
}
