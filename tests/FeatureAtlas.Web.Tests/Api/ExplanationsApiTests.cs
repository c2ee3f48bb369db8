using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.TestSupport;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

public abstract class ExplanationsApiTests(AtlasApp app)
{
    public sealed class Sqlite(SqliteAtlasApp app) : ExplanationsApiTests(app), IClassFixture<SqliteAtlasApp>;

    public sealed class Postgres(PostgresAtlasApp app) : ExplanationsApiTests(app), IClassFixture<PostgresAtlasApp>;

    private const string Model = AtlasApp.Model;

    /// <summary>The Neuronpedia source id of <see cref="AtlasApp.Sae"/> (res8 on hook blocks.8).</summary>
    private const string SourceId = "8-res";

    private static async Task<JsonElement> SearchAsync(HttpClient client, string query, int offset = 0, string? modelId = AtlasApp.Model) =>
        await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/explanation/search", new { modelId, query, offset }));

    [Fact]
    public async Task New_NestedAndFlatBodies_BothStoredAndShownOnTheFeature()
    {
        app.SkipWhenUnavailable();
        var user = await app.SignUpAsync();

        var nested = await HttpAssert.OkJsonAsync(await user.Client.PostAsJsonAsync("api/explanation/new",
            new { feature = new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 6, explanation = "walrus nested" } }));
        var flat = await HttpAssert.OkJsonAsync(await user.Client.PostAsJsonAsync("api/explanation/new",
            new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 6, explanation = "walrus flat" }));

        Assert.Equal(("walrus nested", "manual", user.Name), (nested.GetProperty("description").GetString(), nested.GetProperty("typeName").GetString(), nested.GetProperty("authorName").GetString()));
        Assert.Equal("walrus flat", flat.GetProperty("description").GetString());
        var feature = await HttpAssert.OkJsonAsync(await app.CreateClient().GetAsync($"api/feature/{AtlasApp.Model}/{AtlasApp.Sae}/6"));
        var texts = feature.GetProperty("explanations").EnumerateArray().Select(e => e.GetProperty("description").GetString()).ToArray();
        Assert.Contains("walrus nested", texts);
        Assert.Contains("walrus flat", texts);
    }

    [Fact]
    public async Task Search_AfterNew_FindsItWithNeuronpediaFields()
    {
        app.SkipWhenUnavailable();
        var user = await app.SharedUserAsync("explainer");
        await HttpAssert.OkJsonAsync(await user.Client.PostAsJsonAsync("api/explanation/new",
            new { feature = new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 2, explanation = "Opening quotation marks in dialogue" } }));

        var page = await SearchAsync(app.CreateClient(), "quotation");

        var hit = Assert.Single(page.GetProperty("results").EnumerateArray());
        Assert.Equal((AtlasApp.Model, "8-res", 2), (hit.GetProperty("modelId").GetString(), hit.GetProperty("layer").GetString(), hit.GetProperty("index").GetString()!.ParseIndex()));
        Assert.Equal(("Opening quotation marks in dialogue", "manual"), (hit.GetProperty("description").GetString(), hit.GetProperty("typeName").GetString()));
        Assert.True(hit.TryGetProperty("explanationModelName", out _));
        Assert.Equal((1, false, 1), (page.GetProperty("resultsCount").GetInt32(), page.GetProperty("hasMore").GetBoolean(), page.GetProperty("nextOffset").GetInt32()));
        Assert.Empty((await SearchAsync(app.CreateClient(), "quotation", modelId: "no-such-model")).GetProperty("results").EnumerateArray());
    }

    [Fact]
    public async Task Search_ManyMatches_RanksTheClosestFirstAndPagesBy20()
    {
        app.SkipWhenUnavailable();
        var user = await app.SharedUserAsync("explainer");
        for (var i = 0; i < 24; i++)
        {
            await HttpAssert.OkJsonAsync(await user.KeyClient.PostAsJsonAsync("api/explanation/new", new
            {
                feature = new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 10 + i, explanation = $"zebra among many other unrelated words about things number {i}" },
            }));
        }
        await HttpAssert.OkJsonAsync(await user.KeyClient.PostAsJsonAsync("api/explanation/new",
            new { feature = new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 40, explanation = "zebra zebras" } }));
        using var client = app.CreateClient();

        var first = await SearchAsync(client, "zebra");
        var second = await SearchAsync(client, "zebra", first.GetProperty("nextOffset").GetInt32());

        var firstResults = first.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(40, firstResults[0].GetProperty("index").GetString()!.ParseIndex());
        Assert.Equal((20, true, 20), (firstResults.Length, first.GetProperty("hasMore").GetBoolean(), first.GetProperty("nextOffset").GetInt32()));
        Assert.Equal((5, false), (second.GetProperty("resultsCount").GetInt32(), second.GetProperty("hasMore").GetBoolean()));
        var all = firstResults.Concat(second.GetProperty("results").EnumerateArray()).Select(r => r.GetProperty("index").GetString()!.ParseIndex()).ToArray();
        Assert.Equal(Enumerable.Range(10, 24).Append(40).Order(), all.Order());
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("  a ")]
    public async Task Search_QueryShorterThan3_Returns400(string query)
    {
        app.SkipWhenUnavailable();

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await app.CreateClient().PostAsJsonAsync("api/explanation/search", new { query }));

        Assert.Contains("at least 3 characters", detail);
    }

    /// <summary>A second SAE of the model ("res9") and "capybara" explanations on features of both SAEs.</summary>
    private async Task<(int[] Res8, int[] Res9)> TwoSaesExplainedAsync()
    {
        await app.Store.Models.UpsertSaeAsync(new FeatureAtlas.Core.Storage.SaeRecord(AtlasApp.Model, "res9", null, "blocks.9.hook_resid_pre", 9, 768, AtlasApp.DSae, "standard", "{}"), CancellationToken.None);
        var user = await app.SharedUserAsync("explainer");
        int[] res8 = [50, 51], res9 = [50, 52];
        // Once per app: the tests of this class share it.
        if ((await app.Store.Explanations.SearchExplanationsAsync(AtlasApp.Model, null, "capybara", 0, CancellationToken.None)).Results.Count > 0) return (res8, res9);
        foreach (var (sae, indexes) in new[] { (AtlasApp.Sae, res8), ("res9", res9) })
        {
            foreach (var index in indexes)
            {
                await HttpAssert.OkJsonAsync(await user.KeyClient.PostAsJsonAsync("api/explanation/new",
                    new { modelId = AtlasApp.Model, layer = sae, index, explanation = $"capybara in {sae}" }));
            }
        }
        return (res8, res9);
    }

    private static string[] Keys(JsonElement page) =>
        page.GetProperty("results").EnumerateArray().Select(r => $"{r.GetProperty("layer").GetString()}/{r.GetProperty("index").GetString()!.ParseIndex()}").Order().ToArray();

    [Fact]
    public async Task Search_WithLayers_FindsExactlyTheMatchesInThoseSaes()
    {
        app.SkipWhenUnavailable();
        await TwoSaesExplainedAsync();
        using var client = app.CreateClient();
        async Task<string[]> Find(string[]? layers) =>
            Keys(await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/explanation/search", new { modelId = AtlasApp.Model, layers, query = "capybara" })));

        Assert.Equal(["9-res/50", "9-res/52"], await Find(["res9"]));
        Assert.Equal(["9-res/50", "9-res/52"], await Find(["9-res"]));   // Neuronpedia's layers are source ids
        Assert.Equal(["8-res/50", "8-res/51"], await Find([AtlasApp.Sae]));
        Assert.Equal(["8-res/50", "8-res/51", "9-res/50", "9-res/52"], await Find([AtlasApp.Sae, "res9"]));
        Assert.Equal(["8-res/50", "8-res/51", "9-res/50", "9-res/52"], await Find([]));
        Assert.Equal(["8-res/50", "8-res/51", "9-res/50", "9-res/52"], await Find(null));
    }

    [Fact]
    public async Task SearchModelAndSearchAll_NeuronpediaBodies_FindTheSameMatches()
    {
        app.SkipWhenUnavailable();
        await TwoSaesExplainedAsync();
        using var client = app.CreateClient();

        var model = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/explanation/search-model", new { modelId = AtlasApp.Model, query = "capybara", offset = 0 }));
        var all = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/explanation/search-all", new { query = "capybara" }));

        Assert.Equal(["8-res/50", "8-res/51", "9-res/50", "9-res/52"], Keys(model));
        Assert.Equal(["8-res/50", "8-res/51", "9-res/50", "9-res/52"], Keys(all));
        Assert.Empty(Keys(await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/explanation/search-model", new { modelId = "no-such-model", query = "capybara" }))));
        Assert.Contains("modelId is required", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest,
            await client.PostAsJsonAsync("api/explanation/search-model", new { query = "capybara" })));
    }

    [Theory]
    [InlineData(AtlasApp.Model, new[] { AtlasApp.Sae, "res99" }, HttpStatusCode.NotFound, "SAE 'res99' of model 'gpt2' is not in the store.")]
    [InlineData(AtlasApp.Model, new[] { "res98", "res99" }, HttpStatusCode.NotFound, "SAEs 'res98', 'res99' of model 'gpt2' are not in the store.")]
    [InlineData("no-such-model", new[] { AtlasApp.Sae }, HttpStatusCode.NotFound, "Model 'no-such-model' is not in the store.")]
    [InlineData(null, new[] { AtlasApp.Sae }, HttpStatusCode.BadRequest, "modelId is required with layers")]
    [InlineData(AtlasApp.Model, new[] { AtlasApp.Sae, " " }, HttpStatusCode.BadRequest, "layers[1] is empty")]
    public async Task Search_BadLayers_AnswersAProblemNamingThem(string? modelId, string[] layers, HttpStatusCode status, string detail)
    {
        app.SkipWhenUnavailable();

        var problem = await HttpAssert.ProblemAsync(status, await app.CreateClient().PostAsJsonAsync("api/explanation/search", new { modelId, layers, query = "capybara" }));

        Assert.Contains(detail, problem);
    }

    [Fact]
    public async Task Vote_ByTwoUsers_SumsAndUnvoteWithdraws()
    {
        app.SkipWhenUnavailable();
        var author = await app.SharedUserAsync("explainer");
        var first = await app.SignUpAsync();
        var second = await app.SignUpAsync();
        var id = (await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/explanation/new",
            new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 7, explanation = "votes" }))).GetProperty("id").GetInt32();

        await HttpAssert.OkJsonAsync(await first.Client.PostAsJsonAsync($"api/explanation/{id}/vote", new { points = 1 }));
        var both = await HttpAssert.OkJsonAsync(await second.Client.PostAsJsonAsync($"api/explanation/{id}/vote", new { points = 1 }));
        var withdrawn = await HttpAssert.OkJsonAsync(await second.Client.PostAsync($"api/explanation/{id}/unvote", null));

        Assert.Equal(2, both.GetProperty("votes").GetInt32());
        Assert.Equal(1, withdrawn.GetProperty("votes").GetInt32());
        await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await second.Client.PostAsJsonAsync($"api/explanation/{id}/vote", new { points = 5 }));
        await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await second.Client.PostAsJsonAsync("api/explanation/999999/vote", new { points = 1 }));
    }

    [Fact]
    public async Task Vote_ZeroPoints_Answers400AndChangesNothing()
    {
        app.SkipWhenUnavailable();
        var author = await app.SharedUserAsync("explainer");
        var voter = await app.SignUpAsync();
        var id = (await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/explanation/new",
            new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 7, explanation = "zero points" }))).GetProperty("id").GetInt32();
        await HttpAssert.OkJsonAsync(await voter.Client.PostAsJsonAsync($"api/explanation/{id}/vote", new { points = -1 }));

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await voter.Client.PostAsJsonAsync($"api/explanation/{id}/vote", new { points = 0 }));

        Assert.Contains("unvote", detail, StringComparison.Ordinal);
        var votes = (await app.Store.Explanations.ListFeatureExplanationsAsync(new(AtlasApp.Model, AtlasApp.Sae, 7), CancellationToken.None)).Single(e => e.Id == id).Votes;
        Assert.Equal(-1, votes);
    }

    [Fact]
    public async Task Vote_OnOwnExplanation_Answers403AndChangesNothing()
    {
        app.SkipWhenUnavailable();
        var author = await app.SignUpAsync();
        var id = (await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/explanation/new",
            new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 7, explanation = "my own" }))).GetProperty("id").GetInt32();

        var api = await author.KeyClient.PostAsJsonAsync($"api/explanation/{id}/vote", new { points = 1 });
        var page = await AtlasApp.PostFormAsync(author.Client, $"{AtlasApp.Model}/{AtlasApp.Sae}/7?handler=Vote",
            new() { ["explanationId"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture), ["points"] = "1" });

        await HttpAssert.ProblemAsync(HttpStatusCode.Forbidden, api);
        await HttpAssert.StatusAsync(HttpStatusCode.Forbidden, page);
        Assert.Contains("your own explanation", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var votes = (await app.Store.Explanations.ListFeatureExplanationsAsync(new(AtlasApp.Model, AtlasApp.Sae, 7), CancellationToken.None)).Single(e => e.Id == id).Votes;
        Assert.Equal(0, votes);
        // The page offers its author no vote buttons on it; anyone else gets them.
        var voteForm = $"name=\"explanationId\" value=\"{id}\"";
        var other = await app.SignUpAsync();
        Assert.DoesNotContain(voteForm, await author.Client.GetStringAsync($"{AtlasApp.Model}/{AtlasApp.Sae}/7"), StringComparison.Ordinal);
        Assert.Contains(voteForm, await other.Client.GetStringAsync($"{AtlasApp.Model}/{AtlasApp.Sae}/7"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignUp_UserNameOver64Characters_Answers400AndCreatesNoUser()
    {
        app.SkipWhenUnavailable();
        var name = new string('n', 300);
        using var client = app.CreateClient();

        var response = await AtlasApp.PostFormAsync(client, "account/signup", new() { ["UserName"] = name, ["Password"] = AtlasApp.Password }, tokenFrom: "account/signup");

        await HttpAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains("at most 64 characters", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(await app.Store.Users.FindUserAsync(name, CancellationToken.None));
    }

    [Fact]
    public async Task Delete_ByAuthor_RemovesItFromSearch()
    {
        app.SkipWhenUnavailable();
        var author = await app.SharedUserAsync("explainer");
        var id = (await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/explanation/new",
            new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 7, explanation = "ephemeral platypus" }))).GetProperty("id").GetInt32();
        Assert.Single((await SearchAsync(author.Client, "platypus")).GetProperty("results").EnumerateArray());

        await HttpAssert.StatusAsync(HttpStatusCode.NoContent, await author.Client.PostAsJsonAsync("api/explanation/delete", new { explanationId = id }));

        Assert.Empty((await SearchAsync(author.Client, "platypus")).GetProperty("results").EnumerateArray());
    }

    [Fact]
    public async Task ExplanationScore_ClientBody_ScoresOfflineStoresTheRowAndRefusesADuplicate()
    {
        app.SkipWhenUnavailable();
        // The synthetic dashboards' model has no weights here, so the quiet windows are the corpus windows outside a
        // feature's examples, assumed zero (a live random SAE fires in every window, leaving no quiet class to score).
        const int index = 3;
        var stored = await app.Store.Dashboards.GetFeatureAsync(Model, AtlasApp.Sae, index, CancellationToken.None);
        var top = stored!.Top[0];
        var window = (await app.Store.Corpora.ReadWindowsAsync(Seed.Corpus, [top.Window], CancellationToken.None))[top.Window];
        var topToken = Gpt2Tokenizer.CreateDefault().GetTokenStrings([window[top.Position]])[0];
        var author = await app.SignUpAsync("scorer");
        async Task<int> ExplainAsync(string text) => (await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/explanation/new",
            new { feature = new { modelId = Model, layer = SourceId, index = index.ToString(), explanation = text } }))).GetProperty("id").GetInt32();
        var named = await ExplainAsync($"the token \"{topToken}\"");
        var unrelated = await ExplainAsync("marmots quarrelling about xylophones");

        // explanations-pane.tsx / the API docs: {explanationId (a string), scorerModel, scorerType}. No scorer model is
        // configured here, so gpt-4o-mini is answered offline, and the row says so.
        var body = await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/explanation/score", new { explanationId = named.ToString(), scorerModel = "gpt-4o-mini", scorerType = "recall_alt" }));
        var score = body.GetProperty("score");
        Assert.Equal(JsonValueKind.String, score.GetProperty("id").ValueKind);
        Assert.Equal((author.Actor.UserId.ToString(), named, "recall_alt", "offline"),
            (score.GetProperty("initiatedByUserId").GetString(), score.GetProperty("explanationId").GetInt32(), score.GetProperty("explanationScoreTypeName").GetString(), score.GetProperty("explanationScoreModelName").GetString()));
        Assert.Equal(JsonValueKind.String, score.GetProperty("createdAt").ValueKind);
        var details = JsonDocument.Parse(score.GetProperty("jsonDetails").GetString()!).RootElement;
        Assert.Equal(topToken, Assert.Single(details.GetProperty("named").EnumerateArray()).GetString());
        var value = score.GetProperty("value").GetDouble();
        // recall_alt is the share of held-out windows classified right, as the details' accuracy says.
        Assert.Equal(details.GetProperty("detection_accuracy").GetDouble(), value);
        Assert.InRange(value, 0, 1);

        var other = (await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/explanation/score", new { explanationId = unrelated, scorerModel = "offline", scorerType = "eleuther_recall" }))).GetProperty("score");
        var namedRecall = (await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/explanation/score", new { explanationId = named, scorerModel = "offline", scorerType = "eleuther_recall" }))).GetProperty("score");
        // Naming no vocabulary token predicts nothing fires: detection at chance. Naming the top token is no worse (in
        // the synthetic windows it need not recur in the held-out examples).
        Assert.Equal(0.5, other.GetProperty("value").GetDouble(), 9);
        Assert.True(namedRecall.GetProperty("value").GetDouble() >= 0.5, $"the explanation naming '{topToken}' scores {namedRecall}");

        // The stored scores come back in the feature's explanation rows, beside the explainer's own.
        var feature = await HttpAssert.OkJsonAsync(await author.Client.GetAsync($"api/feature/{Model}/{SourceId}/{index}"));
        var rows = feature.GetProperty("explanations").EnumerateArray().Single(e => e.GetProperty("id").GetInt32() == named).GetProperty("scores").EnumerateArray().ToArray();
        Assert.Equal(["recall_alt", "eleuther_recall"], rows.Select(r => r.GetProperty("explanationScoreTypeName").GetString()));
        Assert.Equal(value, rows[0].GetProperty("value").GetDouble());

        // Neuronpedia refuses the same type and model twice, and names what is missing or unknown.
        Assert.Contains("already has a recall_alt score by offline", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest,
            await author.Client.PostAsJsonAsync("api/explanation/score", new { explanationId = named, scorerModel = "gpt-4o-mini", scorerType = "recall_alt" })));
        Assert.Contains("eleuther_fuzz", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest,
            await author.Client.PostAsJsonAsync("api/explanation/score", new { explanationId = named, scorerModel = "gpt-4o-mini", scorerType = "eleuther_fuzz" })));
        Assert.Contains("eleuther_embedding", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest,
            await author.Client.PostAsJsonAsync("api/explanation/score", new { explanationId = named, scorerType = "eleuther_embedding" })));
        Assert.Contains("scorerType", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest,
            await author.Client.PostAsJsonAsync("api/explanation/score", new { explanationId = named })));
        Assert.Contains("Explanation 987654", await HttpAssert.ProblemAsync(HttpStatusCode.NotFound,
            await author.Client.PostAsJsonAsync("api/explanation/score", new { explanationId = "987654", scorerType = "recall_alt" })));
        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, await app.CreateClient().PostAsJsonAsync("api/explanation/score", new { explanationId = named, scorerType = "recall_alt" }));
    }
}
