using FeatureAtlas.Data.Social;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Pages;

public abstract class SearchExplanationsPageTests(AtlasApp app)
{
    public sealed class Sqlite(SqliteAtlasApp app) : SearchExplanationsPageTests(app), IClassFixture<SqliteAtlasApp>;

    public sealed class Postgres(PostgresAtlasApp app) : SearchExplanationsPageTests(app), IClassFixture<PostgresAtlasApp>;

    private static int Count(string html, string needle) => (html.Length - html.Replace(needle, "").Length) / needle.Length;

    [Fact]
    public async Task SearchPage_ManyMatches_LinksEachFeatureAndPages()
    {
        if (app.Skipped) return;
        var user = await app.SignUpAsync();
        for (var i = 0; i < 23; i++)
        {
            await app.Store.AddManualExplanationAsync(user.Actor, new FeatureKey(AtlasApp.Model, AtlasApp.Sae, 20 + i), $"okapi sighting {i}", CancellationToken.None);
        }
        using var client = app.CreateClient();

        var first = await client.GetStringAsync($"search-explanations?q=okapi&model={AtlasApp.Model}");
        var second = await client.GetStringAsync($"search-explanations?q=okapi&model={AtlasApp.Model}&offset=20");

        Assert.Equal(20, Count(first, "data-testid=\"explanation-result\""));
        Assert.Contains($"href=\"/search-explanations?q=okapi&amp;model={AtlasApp.Model}&amp;offset=20\"", first);
        Assert.Equal(3, Count(second, "data-testid=\"explanation-result\""));
        Assert.DoesNotContain("data-testid=\"next-page\"", second);
        var all = first + second;
        for (var i = 0; i < 23; i++) Assert.Contains($"href=\"/{AtlasApp.Model}/{AtlasApp.Sae}/{20 + i}\"", all);
    }

    [Fact]
    public async Task SearchPage_ShortQuery_AsksForMoreAndShowsNoResults()
    {
        if (app.Skipped) return;

        var html = await app.CreateClient().GetStringAsync("search-explanations?q=ok");

        Assert.Contains("at least 3 characters", html);
        Assert.DoesNotContain("data-testid=\"explanation-results\"", html);
    }
}
