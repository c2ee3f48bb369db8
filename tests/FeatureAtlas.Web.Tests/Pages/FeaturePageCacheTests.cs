using System.Net.Http.Json;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>
/// Anonymous feature pages are cached from their second request on, and never show less than was just written,
/// whichever way it was written. A response served from the cache carries an <c>Age</c> header.
/// </summary>
public sealed class FeaturePageCacheTests(SqliteAtlasApp app) : IClassFixture<SqliteAtlasApp>
{
    private static readonly string Page = $"{AtlasApp.Model}/{AtlasApp.Sae}/3";

    /// <summary>Requests <paramref name="path"/> until it comes from the cache (the second request stores it); returns its body.</summary>
    internal static async Task<string> CachedAsync(HttpClient client, string path)
    {
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync(path);
            response.EnsureSuccessStatusCode();
            if (response.Headers.Age is not null) return await response.Content.ReadAsStringAsync();
        }
        throw new Xunit.Sdk.XunitException($"{path} was not served from the cache by its third request.");
    }

    [Fact]
    public async Task AnonymousPage_StoredOnItsSecondRequestAndServedFromTheCacheOnItsThird()
    {
        using var anonymous = app.CreateClient();
        var page = $"{AtlasApp.Model}/{AtlasApp.Sae}/5?text=cache-{Guid.NewGuid():N}";

        using var first = await anonymous.GetAsync(page);
        using var second = await anonymous.GetAsync(page);
        using var third = await anonymous.GetAsync(page);

        Assert.Null(first.Headers.Age);
        Assert.Null(second.Headers.Age);
        Assert.NotNull(third.Headers.Age);
        Assert.Equal(await second.Content.ReadAsStringAsync(), await third.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignedInReader_NeverServedFromTheCache()
    {
        var user = await app.SignUpAsync();
        var page = $"{AtlasApp.Model}/{AtlasApp.Sae}/6";
        using var anonymous = app.CreateClient();
        await CachedAsync(anonymous, page);

        for (var i = 0; i < 3; i++)
        {
            using var response = await user.Client.GetAsync(page);
            Assert.Null(response.Headers.Age);
        }
    }

    [Fact]
    public async Task AnonymousPage_AfterAnApiComment_ShowsTheComment()
    {
        using var anonymous = app.CreateClient();
        var user = await app.SignUpAsync();
        var before = await CachedAsync(anonymous, Page);

        var comment = $"cache check {Guid.NewGuid():N}";
        (await user.Client.PostAsJsonAsync("api/comment/new", new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 3, text = comment })).EnsureSuccessStatusCode();

        Assert.DoesNotContain(comment, before);
        Assert.Contains(comment, await anonymous.GetStringAsync(Page));
    }

    [Fact]
    public async Task AnonymousPage_AfterAnApiBookmark_ShowsTheNewCount()
    {
        using var anonymous = app.CreateClient();
        var user = await app.SignUpAsync();
        var (count, _) = await app.Store.Social.GetStarsAsync(new(AtlasApp.Model, AtlasApp.Sae, 3), null, CancellationToken.None);
        Assert.Contains($"☆ {count}<", await CachedAsync(anonymous, Page));

        (await user.Client.PostAsJsonAsync("api/bookmark/add", new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 3 })).EnsureSuccessStatusCode();

        Assert.Contains($"☆ {count + 1}<", await anonymous.GetStringAsync(Page));
    }
}
