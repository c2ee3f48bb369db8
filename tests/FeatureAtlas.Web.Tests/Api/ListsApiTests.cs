using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

public abstract class ListsApiTests(AtlasApp app)
{
    public sealed class Sqlite(SqliteAtlasApp app) : ListsApiTests(app), IClassFixture<SqliteAtlasApp>;

    public sealed class Postgres(PostgresAtlasApp app) : ListsApiTests(app), IClassFixture<PostgresAtlasApp>;

    private static object Feature(int index, string? description = null) =>
        new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index, description };

    [Fact]
    public async Task ListApi_FullLifecycle_EachCallAnswersTheListAsStored()
    {
        app.SkipWhenUnavailable();
        var owner = await app.SignUpAsync();
        var c = owner.Client;
        using var anonymous = app.CreateClient();

        var created = await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/list/new", new { name = "Curly braces", description = "Features for `{`", testText = "if (x) { y; }" }));
        var slug = created.GetProperty("id").GetString()!;
        Assert.Equal(12, slug.Length);
        Assert.Equal(new Uri(app.BaseAddress, "list/" + slug).ToString(), created.GetProperty("url").GetString());
        Assert.True(created.GetProperty("isPublic").GetBoolean());
        Assert.Equal("if (x) { y; }", created.GetProperty("defaultTestText").GetString());
        Assert.Equal(owner.Name, created.GetProperty("userName").GetString());

        var added = await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/list/add-features", new { listId = slug, featuresToAdd = new[] { Feature(1, "opens"), Feature(5), Feature(2) } }));
        // Neuronpedia answers the added rows, in the order asked.
        Assert.Equal(["1", "5", "2"], added.EnumerateArray().Select(r => r.GetProperty("index").GetString()));
        Assert.Equal((slug, "opens"), (added[0].GetProperty("listId").GetString(), added[0].GetProperty("description").GetString()));

        var read = await HttpAssert.OkJsonAsync(await anonymous.PostAsJsonAsync("api/list/get", new { listId = slug }));
        Assert.Equal(3, read.GetProperty("featureCount").GetInt32());
        // Features added in one call share their time and sort by index.
        Assert.Equal([1, 2, 5], Indexes(read));
        Assert.Equal(["1", "2", "5"], read.GetProperty("neurons").EnumerateArray().Select(r => r.GetProperty("index").GetString()));
        var first = read.GetProperty("features")[0];
        Assert.Equal((AtlasApp.Model, AtlasApp.Sae, "opens"), (first.GetProperty("modelId").GetString(), first.GetProperty("layer").GetString(), first.GetProperty("description").GetString()));

        var edited = await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/list/edit-feature", new { listId = slug, modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 5, description = "closes" }));
        Assert.Equal("closes", edited.GetProperty("features")[2].GetProperty("description").GetString());

        var removed = await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/list/remove", new { listId = slug, modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 1 }));
        Assert.Equal([2, 5], Indexes(removed));

        var updated = await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/list/update", new { listId = slug, name = "Braces", description = "Both kinds", isPublic = false }));
        Assert.Equal(("Braces", "Both kinds", false), (updated.GetProperty("name").GetString(), updated.GetProperty("description").GetString(), updated.GetProperty("isPublic").GetBoolean()));
        Assert.Equal("if (x) { y; }", updated.GetProperty("defaultTestText").GetString());

        var mine = await HttpAssert.OkJsonAsync(await c.PostAsync("api/list/list", null));
        var only = Assert.Single(mine.EnumerateArray());
        Assert.Equal((slug, 2), (only.GetProperty("id").GetString(), only.GetProperty("featureCount").GetInt32()));
        Assert.Equal(JsonValueKind.Null, only.GetProperty("features").ValueKind);

        await HttpAssert.StatusAsync(HttpStatusCode.NoContent, await c.PostAsJsonAsync("api/list/delete", new { listId = slug }));
        await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await anonymous.PostAsJsonAsync("api/list/get", new { listId = slug }));
        Assert.Empty((await HttpAssert.OkJsonAsync(await c.PostAsync("api/list/list", null))).EnumerateArray());
    }

    [Fact]
    public async Task NewWithFeatures_OneUnknownFeature_Returns404AndCreatesNoList()
    {
        app.SkipWhenUnavailable();
        var owner = await app.SignUpAsync();

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await owner.Client.PostAsJsonAsync("api/list/new-with-features",
            new { name = "Half", features = new[] { Feature(1), Feature(AtlasApp.DSae) } }));

        Assert.Contains($"Feature {AtlasApp.DSae}", detail);
        Assert.Empty(await app.Store.Lists.ListListsAsync(owner.Actor.UserId, includeUnlisted: true, CancellationToken.None));
        var made = await HttpAssert.OkJsonAsync(await owner.Client.PostAsJsonAsync("api/list/new-with-features",
            new { name = "Half", features = new[] { Feature(1), Feature(3, "three") } }));
        Assert.Equal([1, 3], Indexes(made));
    }

    [Fact]
    public async Task New_SameNameTwice_MakesTwoListsAsNeuronpediaDoes()
    {
        app.SkipWhenUnavailable();
        var owner = await app.SignUpAsync();

        // A notebook that calls NPList.new("Curly") again on a rerun gets a second list, not an error.
        var first = await HttpAssert.OkJsonAsync(await owner.Client.PostAsJsonAsync("api/list/new", new { name = "Curly" }));
        var second = await HttpAssert.OkJsonAsync(await owner.Client.PostAsJsonAsync("api/list/new", new { name = "Curly" }));

        Assert.NotEqual(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
        Assert.Equal(["Curly", "Curly"], (await app.Store.Lists.ListListsAsync(owner.Actor.UserId, includeUnlisted: true, CancellationToken.None)).Select(l => l.Name));
    }

    [Fact]
    public async Task AddFeatures_MoreThan100_Returns400NamingTheLimit()
    {
        app.SkipWhenUnavailable();
        var owner = await app.SignUpAsync();
        var slug = (await HttpAssert.OkJsonAsync(await owner.Client.PostAsJsonAsync("api/list/new", new { name = "Many" }))).GetProperty("id").GetString();

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await owner.Client.PostAsJsonAsync("api/list/add-features",
            new { listId = slug, featuresToAdd = Enumerable.Range(0, 101).Select(i => Feature(i % AtlasApp.DSae)).ToArray() }));

        Assert.Contains("at most 100", detail);
    }

    [Theory]
    [InlineData("""{"description":"no name"}""", "name")]
    [InlineData("""{"name":"   "}""", "name")]
    [InlineData("""{"name":"ok","description":null,"isPublic":"yes"}""", "")]
    public async Task New_InvalidBody_Returns400Problem(string json, string mentions)
    {
        app.SkipWhenUnavailable();
        var owner = await app.SharedUserAsync("lister");

        var response = await owner.Client.PostAsync("api/list/new", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains(mentions, detail);
    }

    [Fact]
    public async Task New_BodyOverTheLimit_Returns413()
    {
        app.SkipWhenUnavailable();
        var owner = await app.SharedUserAsync("lister");

        var response = await owner.Client.PostAsJsonAsync("api/list/new", new { name = "big", description = new string('x', 20_000) });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Get_UnlistedListOfAnotherUser_ReadableByIdAnonymously()
    {
        app.SkipWhenUnavailable();
        var owner = await app.SignUpAsync();
        var slug = (await HttpAssert.OkJsonAsync(await owner.Client.PostAsJsonAsync("api/list/new", new { name = "Secret-ish", isPublic = false }))).GetProperty("id").GetString();
        using var anonymous = app.CreateClient();

        var read = await HttpAssert.OkJsonAsync(await anonymous.PostAsJsonAsync("api/list/get", new { listId = slug }));

        Assert.False(read.GetProperty("isPublic").GetBoolean());
        Assert.Equal("Secret-ish", read.GetProperty("name").GetString());
    }

    private static int[] Indexes(JsonElement list) => list.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("index").GetInt32()).ToArray();
}
