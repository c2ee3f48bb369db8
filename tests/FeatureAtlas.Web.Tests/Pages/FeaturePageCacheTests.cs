using System.Net.Http.Json;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>Anonymous feature pages are cached, but never show less than was just written, whichever way it was written.</summary>
public sealed class FeaturePageCacheTests(SqliteAtlasApp app) : IClassFixture<SqliteAtlasApp>
{
    private static readonly string Page = $"{AtlasApp.Model}/{AtlasApp.Sae}/3";

    [Fact]
    public async Task AnonymousPage_AfterAnApiComment_ShowsTheComment()
    {
        using var anonymous = app.CreateClient();
        var user = await app.SignUpAsync();
        var before = await anonymous.GetStringAsync(Page);
        Assert.Equal(before, await anonymous.GetStringAsync(Page));

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
        var (count, _) = await app.Store.GetStarsAsync(new(AtlasApp.Model, AtlasApp.Sae, 3), null, CancellationToken.None);
        Assert.Contains($"☆ {count}<", await anonymous.GetStringAsync(Page));

        (await user.Client.PostAsJsonAsync("api/bookmark/add", new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 3 })).EnsureSuccessStatusCode();

        Assert.Contains($"☆ {count + 1}<", await anonymous.GetStringAsync(Page));
    }
}
