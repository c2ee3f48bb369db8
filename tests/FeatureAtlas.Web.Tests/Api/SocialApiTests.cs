using System.Net;
using System.Net.Http.Json;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>Bookmarks (stars) and comments through the API, checked against the store and the pages that show them.</summary>
public abstract class SocialApiTests(AtlasApp app)
{
    public sealed class Sqlite(SqliteAtlasApp app) : SocialApiTests(app), IClassFixture<SqliteAtlasApp>;

    public sealed class Postgres(PostgresAtlasApp app) : SocialApiTests(app), IClassFixture<PostgresAtlasApp>;

    private static readonly FeatureKey Key = new(AtlasApp.Model, AtlasApp.Sae, 4);
    private static readonly object Body = new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 4 };

    [Fact]
    public async Task BookmarkAdd_Twice_IsOneStarUntilDeleted()
    {
        app.SkipWhenUnavailable();
        var user = await app.SignUpAsync();
        var (before, _) = await app.Store.Social.GetStarsAsync(Key, null, CancellationToken.None);

        await HttpAssert.OkJsonAsync(await user.Client.PostAsJsonAsync("api/bookmark/add", Body));
        var again = await HttpAssert.OkJsonAsync(await user.Client.PostAsJsonAsync("api/bookmark/add", Body));

        Assert.True(again.GetProperty("bookmarked").GetBoolean());
        Assert.Equal(before + 1, again.GetProperty("bookmarks").GetInt32());
        Assert.Equal((before + 1, true), await app.Store.Social.GetStarsAsync(Key, user.Actor.UserId, CancellationToken.None));
        Assert.Contains($"/{AtlasApp.Model}/{AtlasApp.Sae}/4\"", await user.Client.GetStringAsync($"user/{user.Name}"));

        var deleted = await HttpAssert.OkJsonAsync(await user.Client.PostAsJsonAsync("api/bookmark/delete", Body));

        Assert.False(deleted.GetProperty("bookmarked").GetBoolean());
        Assert.Equal((before, false), await app.Store.Social.GetStarsAsync(Key, user.Actor.UserId, CancellationToken.None));
    }

    [Fact]
    public async Task BookmarkAdd_FeatureOutsideTheSae_Returns404()
    {
        app.SkipWhenUnavailable();
        var user = await app.SharedUserAsync("star");

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.NotFound,
            await user.Client.PostAsJsonAsync("api/bookmark/add", new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = AtlasApp.DSae }));

        Assert.Contains("has 64 features", detail);
    }

    [Fact]
    public async Task CommentNew_ThenDelete_ShownSanitisedOnFeatureAndUserPagesUntilDeleted()
    {
        app.SkipWhenUnavailable();
        var user = await app.SignUpAsync();
        using var anonymous = app.CreateClient();
        const string text = "Fires on **braces** <script>alert(1)</script> [x](javascript:alert(2))";

        var comment = await HttpAssert.OkJsonAsync(await user.Client.PostAsJsonAsync("api/comment/new",
            new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 4, text }));

        var id = comment.GetProperty("id").GetInt32();
        Assert.Equal((text, user.Name, 4), (comment.GetProperty("text").GetString(), comment.GetProperty("userName").GetString(), comment.GetProperty("index").GetString()!.ParseIndex()));
        foreach (var page in new[] { $"{AtlasApp.Model}/{AtlasApp.Sae}/4", $"user/{user.Name}" })
        {
            var html = await anonymous.GetStringAsync(page);
            Assert.Contains("<strong>braces</strong>", html);
            Assert.DoesNotContain("<script>alert(1)", html);
            Assert.DoesNotContain("javascript:alert(2)", html);
        }

        Assert.Equal("ok", (await HttpAssert.OkJsonAsync(await user.Client.PostAsJsonAsync("api/comment/delete", new { commentId = id }))).GetProperty("message").GetString());

        Assert.DoesNotContain(await app.Store.Social.ListCommentsAsync(Key, CancellationToken.None), c => c.Id == id);
        await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await user.Client.PostAsJsonAsync("api/comment/delete", new { commentId = id }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task CommentNew_EmptyText_Returns400(string text)
    {
        app.SkipWhenUnavailable();
        var user = await app.SharedUserAsync("commenter");

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest,
            await user.Client.PostAsJsonAsync("api/comment/new", new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 4, text }));

        Assert.Contains("comment must not be empty", detail);
    }
}
