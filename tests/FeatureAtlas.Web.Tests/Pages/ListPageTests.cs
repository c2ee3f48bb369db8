using System.Net;
using System.Net.Http.Json;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Pages;

public abstract class ListPageTests(AtlasApp app)
{
    public sealed class Sqlite(SqliteAtlasApp app) : ListPageTests(app), IClassFixture<SqliteAtlasApp>;

    public sealed class Postgres(PostgresAtlasApp app) : ListPageTests(app), IClassFixture<PostgresAtlasApp>;

    private async Task<string> NewListAsync(TestUser owner, string name, bool isPublic, string? description = null)
    {
        var list = await HttpAssert.OkJsonAsync(await owner.Client.PostAsJsonAsync("api/list/new-with-features", new
        {
            name, description, isPublic, features = new[] { new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 6, description = "six" } },
        }));
        return list.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task UnlistedList_ReadableBySlug_ListedOnlyOnItsOwnersOwnUserPage()
    {
        app.SkipWhenUnavailable();
        var owner = await app.SignUpAsync();
        var other = await app.SignUpAsync();
        using var anonymous = app.CreateClient();
        var open = await NewListAsync(owner, "Open list", isPublic: true);
        var hidden = await NewListAsync(owner, "Hidden list", isPublic: false);

        var byLink = await anonymous.GetStringAsync($"list/{hidden}");
        var asAnonymous = await anonymous.GetStringAsync($"user/{owner.Name}");
        var asOther = await other.Client.GetStringAsync($"user/{owner.Name}");
        var asOwner = await owner.Client.GetStringAsync($"user/{owner.Name}");

        Assert.Contains("Hidden list", byLink);
        foreach (var page in new[] { asAnonymous, asOther })
        {
            Assert.Contains($"/list/{open}\"", page);
            Assert.DoesNotContain(hidden, page);
        }
        Assert.Contains($"/list/{open}\"", asOwner);
        Assert.Contains($"/list/{hidden}\"", asOwner);
    }

    [Fact]
    public async Task ListPage_Description_SanitisedMarkdownAndFeaturesWithBestExplanation()
    {
        app.SkipWhenUnavailable();
        var owner = await app.SignUpAsync();
        await app.Store.Explanations.AddManualExplanationAsync(owner.Actor, new FeatureKey(AtlasApp.Model, AtlasApp.Sae, 6), "sixth sense", CancellationToken.None);
        var slug = await NewListAsync(owner, "Described", isPublic: true, "A **bold** claim <img src=x onerror=alert(1)> [link](javascript:alert(2))");

        var html = await app.CreateClient().GetStringAsync($"list/{slug}");

        Assert.Contains("<strong>bold</strong>", html);
        Assert.DoesNotContain("<img", html);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html);
        Assert.DoesNotContain("javascript:", html);
        Assert.Contains($"href=\"/{AtlasApp.Model}/{AtlasApp.Sae}/6\"", html);
        Assert.Contains("sixth sense", html);
        Assert.Contains($"href=\"/user/{owner.Name}\"", html);
    }

    [Fact]
    public async Task ListPage_EditForms_OnlyForOwnerAndNeverInEmbed()
    {
        app.SkipWhenUnavailable();
        var owner = await app.SignUpAsync();
        var other = await app.SignUpAsync();
        var slug = await NewListAsync(owner, "Forms", isPublic: true);

        var asOwner = await owner.Client.GetStringAsync($"list/{slug}");
        var asOther = await other.Client.GetStringAsync($"list/{slug}");
        var embedded = await owner.Client.GetAsync($"list/{slug}?embed=true");
        var embedHtml = await embedded.Content.ReadAsStringAsync();

        Assert.Contains("data-testid=\"edit-list\"", asOwner);
        Assert.Contains("data-testid=\"delete-list\"", asOwner);
        Assert.DoesNotContain("data-testid=\"edit-list\"", asOther);
        Assert.DoesNotContain("data-testid=\"remove-feature\"", asOther);
        Assert.Contains("Forms", embedHtml);
        Assert.DoesNotContain("<header class=\"top\"", embedHtml);
        Assert.DoesNotContain("data-testid=\"edit-list\"", embedHtml);
        Assert.Contains("frame-ancestors *", embedded.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task ListPage_UpdateForm_ChangesTheListAndRedirectsBack()
    {
        app.SkipWhenUnavailable();
        var owner = await app.SignUpAsync();
        var slug = await NewListAsync(owner, "Before", isPublic: true);

        var response = await AtlasApp.PostFormAsync(owner.Client, $"list/{slug}?handler=Update",
            new() { ["name"] = "After", ["description"] = "new words" }, tokenFrom: $"list/{slug}");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/list/{slug}", response.Headers.Location?.ToString());
        var list = await app.Store.Lists.GetListAsync(slug, CancellationToken.None);
        Assert.Equal(("After", "new words", false), (list!.Value.Info.Name, list.Value.Info.Description, list.Value.Info.IsPublic));
    }

    [Theory]
    [InlineData("list/nosuchlist12")]
    [InlineData("user/nosuchuser")]
    public async Task Page_Unknown_Returns404(string path)
    {
        app.SkipWhenUnavailable();

        var response = await app.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
