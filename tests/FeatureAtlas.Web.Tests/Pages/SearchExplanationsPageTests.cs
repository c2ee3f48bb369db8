using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Community;
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
        app.SkipWhenUnavailable();
        var user = await app.SignUpAsync();
        for (var i = 0; i < 23; i++)
        {
            await app.Store.Explanations.AddManualExplanationAsync(user.Actor, new FeatureKey(AtlasApp.Model, AtlasApp.Sae, 20 + i), $"okapi sighting {i}", CancellationToken.None);
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
    public async Task SearchPage_SaeFilter_ShowsOnlyThoseSaesMatchesAndPagesWithinThem()
    {
        app.SkipWhenUnavailable();
        await app.Store.Models.UpsertSaeAsync(new SaeRecord(AtlasApp.Model, "res9", null, "blocks.9.hook_resid_pre", 9, 768, AtlasApp.DSae, "standard", "{}"), CancellationToken.None);
        var user = await app.SignUpAsync();
        for (var i = 0; i < 21; i++)
        {
            await app.Store.Explanations.AddManualExplanationAsync(user.Actor, new FeatureKey(AtlasApp.Model, "res9", 30 + i), $"tapir tracks {i}", CancellationToken.None);
        }
        for (var i = 0; i < 2; i++)
        {
            await app.Store.Explanations.AddManualExplanationAsync(user.Actor, new FeatureKey(AtlasApp.Model, AtlasApp.Sae, 30 + i), $"tapir in res8 {i}", CancellationToken.None);
        }
        using var client = app.CreateClient();

        var first = await client.GetStringAsync($"search-explanations?q=tapir&model={AtlasApp.Model}&sae=res9");
        var second = await client.GetStringAsync($"search-explanations?q=tapir&model={AtlasApp.Model}&sae=res9&offset=20");
        var both = await client.GetStringAsync($"search-explanations?q=tapir&model={AtlasApp.Model}&sae=res9&sae={AtlasApp.Sae}&offset=20");

        Assert.Equal(20, Count(first, "data-testid=\"explanation-result\""));
        Assert.Contains($"href=\"/search-explanations?q=tapir&amp;model={AtlasApp.Model}&amp;sae=res9&amp;offset=20\"", first);
        Assert.Contains("<option value=\"res9\" selected=\"selected\">res9</option>", first);
        Assert.Contains($"<option value=\"{AtlasApp.Sae}\">{AtlasApp.Sae}</option>", first);
        Assert.Equal(1, Count(second, "data-testid=\"explanation-result\""));
        Assert.DoesNotContain($"href=\"/{AtlasApp.Model}/{AtlasApp.Sae}/", first + second);
        for (var i = 0; i < 21; i++) Assert.Contains($"href=\"/{AtlasApp.Model}/res9/{30 + i}\"", first + second);
        Assert.Equal(3, Count(both, "data-testid=\"explanation-result\""));
    }

    [Theory]
    [InlineData($"model={AtlasApp.Model}&sae=nope", "SAE &#x27;nope&#x27; of model &#x27;gpt2&#x27; is not in the store.")]
    [InlineData("sae=res8", "Choose the model whose SAEs to search within.")]
    public async Task SearchPage_BadSaeFilter_SaysWhyAndShowsNoResults(string filter, string problem)
    {
        app.SkipWhenUnavailable();

        var html = await app.CreateClient().GetStringAsync($"search-explanations?q=anything&{filter}");

        Assert.Contains(problem, html);
        Assert.DoesNotContain("data-testid=\"explanation-results\"", html);
    }

    [Fact]
    public async Task SearchPage_ShortQuery_AsksForMoreAndShowsNoResults()
    {
        app.SkipWhenUnavailable();

        var html = await app.CreateClient().GetStringAsync("search-explanations?q=ok");

        Assert.Contains("at least 3 characters", html);
        Assert.DoesNotContain("data-testid=\"explanation-results\"", html);
    }
}
