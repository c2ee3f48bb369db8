using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Graphs;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// Stored graphs through HTTP: the graph JSON with clerps from explanations, uploads (signed in, schema-checked,
/// size-limited, nothing stored on failure), a user's list, and generation as a background job that ends in a stored,
/// schema-valid graph of the live model.
/// </summary>
public sealed class GraphsApiTests(GraphAtlasApp app) : IClassFixture<GraphAtlasApp>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Get_StoredGraph_IsValidAndFillsEmptyClerpsFromExplanations()
    {
        var response = await app.CreateClient().GetAsync($"api/graph/{AtlasApp.Model}/{GraphAtlasApp.ExampleSlug}/json");

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        var graph = GraphUpload.Check(JsonNode.Parse(await response.Content.ReadAsStringAsync()));
        var clerps = graph["nodes"]!.AsArray().ToDictionary(n => (string)n!["node_id"]!, n => (string)n!["clerp"]!);
        Assert.Equal(GraphAtlasApp.ExplainedClerp, clerps["8_3_1"]);
        Assert.Equal("whale things", clerps["8_5_2"]);
        Assert.Equal("", clerps["8_-1_2"]);
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateClient().GetAsync($"api/graph/{AtlasApp.Model}/no-such-graph/json")).StatusCode);
    }

    [Fact]
    public async Task GetAndListOwned_NeuronpediaClientReads_MetadataRowsPointingAtTheJson()
    {
        var user = await app.SharedUserAsync("graph-lister");
        var graph = GraphAtlasApp.ExampleGraph("listed-graph");
        await HttpAssert.OkJsonAsync(await user.KeyClient.PostAsync("api/graph/upload", Json(graph)));
        var tokens = graph["metadata"]!["prompt_tokens"]!.AsArray().Select(t => (string)t!).ToArray();

        // graph_request.py get(): id, modelId, slug, promptTokens, prompt, titlePrefix, url.
        var row = await HttpAssert.OkJsonAsync(await app.CreateClient().GetAsync($"api/graph/{AtlasApp.Model}/listed-graph"));
        // list_owned(): POST with no body, the same fields per row.
        using var bare = new HttpRequestMessage(HttpMethod.Post, "api/graph/list-owned");
        var owned = await HttpAssert.OkJsonAsync(await user.KeyClient.SendAsync(bare));

        Assert.Equal(($"{AtlasApp.Model}/listed-graph", AtlasApp.Model, "listed-graph", (string)graph["metadata"]!["prompt"]!, ""),
            (row.GetProperty("id").GetString(), row.GetProperty("modelId").GetString(), row.GetProperty("slug").GetString(), row.GetProperty("prompt").GetString(), row.GetProperty("titlePrefix").GetString()));
        Assert.Equal(tokens, row.GetProperty("promptTokens").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(user.Name, row.GetProperty("user").GetProperty("name").GetString());
        var json = GraphUpload.Check(JsonNode.Parse(await app.CreateClient().GetStringAsync(row.GetProperty("url").GetString())));
        Assert.Equal(graph["nodes"]!.AsArray().Count, json["nodes"]!.AsArray().Count);
        var listed = Assert.Single(owned.EnumerateArray(), r => r.GetProperty("slug").GetString() == "listed-graph");
        Assert.Equal(row.GetProperty("url").GetString(), listed.GetProperty("url").GetString());
        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, await app.CreateClient().PostAsync("api/graph/list-owned", null));
    }

    [Fact]
    public async Task Upload_NotSignedIn_IsRefusedAndStoresNothing()
    {
        var response = await app.CreateClient().PostAsync("api/graph/upload", Json(GraphAtlasApp.ExampleGraph("anonymous-upload")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(await app.Store.Graphs.GetGraphAsync(AtlasApp.Model, "anonymous-upload", None));
    }

    [Fact]
    public async Task Upload_Valid_StoresItWithClerpsAndListsIt_SameSlugAgainIs400()
    {
        var user = await app.SignUpAsync("grapher");

        var response = await user.KeyClient.PostAsync("api/graph/upload", Json(GraphAtlasApp.ExampleGraph("my-upload")));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        var dto = (await response.Content.ReadFromJsonAsync<GraphDto>())!;
        Assert.Equal(("my-upload", 7, 6, "/gpt2/graph/my-upload", user.Name), (dto.Slug, dto.NumNodes, dto.NumLinks, dto.Url, dto.Owner));
        var stored = JsonNode.Parse(Encoding.UTF8.GetString((await app.Store.Graphs.GetGraphJsonAsync(AtlasApp.Model, "my-upload", None))!))!;
        Assert.Equal(GraphAtlasApp.ExplainedClerp, (string)stored["nodes"]![3]!["clerp"]!);
        var mine = (await user.KeyClient.GetFromJsonAsync<GraphDto[]>("api/graph/list"))!;
        Assert.Equal(["my-upload"], mine.Select(g => g.Slug));

        var again = await user.KeyClient.PostAsync("api/graph/upload", Json(GraphAtlasApp.ExampleGraph("my-upload")));
        Assert.Equal("Model 'gpt2' already has a graph with slug 'my-upload'; choose another slug.", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, again));
    }

    [Fact]
    public async Task Upload_SchemaViolations_400ListingEachAndStoresNothing()
    {
        var user = await app.SharedUserAsync("graph-uploader");
        var graph = GraphAtlasApp.ExampleGraph("bad-schema");
        graph["nodes"]![3]!.AsObject().Remove("clerp");
        graph["links"]![0]!["weight"] = "heavy";

        var response = await user.KeyClient.PostAsync("api/graph/upload", Json(graph));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("The graph does not fit the graph schema", (string)problem["title"]!);
        var errors = problem["errors"]!.AsArray().Select(e => (string)e!).ToArray();
        Assert.Contains(errors, e => e.StartsWith("/nodes/3:", StringComparison.Ordinal) && e.Contains("clerp", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("/links/0/weight:", StringComparison.Ordinal));
        Assert.Null(await app.Store.Graphs.GetGraphAsync(AtlasApp.Model, "bad-schema", None));
    }

    [Fact]
    public async Task Upload_LinkToMissingNodeOrNotJson_400NamingIt()
    {
        var user = await app.SharedUserAsync("graph-uploader");
        var graph = GraphAtlasApp.ExampleGraph("bad-link");
        graph["links"]![2]!["target"] = "8_99_2";

        var link = await user.KeyClient.PostAsync("api/graph/upload", Json(graph));
        var notJson = await user.KeyClient.PostAsync("api/graph/upload", new StringContent("{\"metadata\": ", Encoding.UTF8, "application/json"));

        Assert.Equal("/links/2/target: '8_99_2' is not a node of this graph.", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, link));
        Assert.Equal("The graph is not valid JSON", (string)JsonNode.Parse(await notJson.Content.ReadAsStringAsync())!["title"]!);
        Assert.Null(await app.Store.Graphs.GetGraphAsync(AtlasApp.Model, "bad-link", None));
    }

    [Fact]
    public async Task Upload_OverTheSizeLimit_413AndStoresNothing()
    {
        var user = await app.SharedUserAsync("graph-uploader");
        var graph = GraphAtlasApp.ExampleGraph("too-big");
        graph["metadata"]!["info"] = new JsonObject { ["description"] = new string('x', (int)GraphAtlasApp.UploadLimit) };

        var response = await user.KeyClient.PostAsync("api/graph/upload", Json(graph));

        Assert.Equal("The request body is larger than this address accepts (262,144 bytes).", await HttpAssert.ProblemAsync(HttpStatusCode.RequestEntityTooLarge, response));
        Assert.Null(await app.Store.Graphs.GetGraphAsync(AtlasApp.Model, "too-big", None));
    }

    [Fact]
    public async Task Upload_UnknownModel_404()
    {
        var user = await app.SharedUserAsync("graph-uploader");
        var graph = GraphAtlasApp.ExampleGraph("gemma-graph");
        graph["metadata"]!["scan"] = "gemma-2-2b";

        var response = await user.KeyClient.PostAsync("api/graph/upload", Json(graph));

        Assert.Equal("metadata.scan names model 'gemma-2-2b', which is not on this site; graphs are stored under a model it hosts.", await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, response));
    }

    [Fact]
    public async Task Generate_NotSignedInOrPromptTooLong_IsRefusedWithoutAJob()
    {
        var user = await app.SharedUserAsync("graph-generator");
        var body = new { modelId = LiveAtlasApp.LiveModel, prompt = "The whale" };
        var longPrompt = new { modelId = LiveAtlasApp.LiveModel, prompt = string.Concat(Enumerable.Repeat(" whale", 70)) };

        var anonymous = await app.CreateClient().PostAsJsonAsync("api/graph/generate", body);
        var tooLong = await user.KeyClient.PostAsJsonAsync("api/graph/generate", longPrompt);
        var badThreshold = await user.KeyClient.PostAsJsonAsync("api/graph/generate", new { modelId = LiveAtlasApp.LiveModel, prompt = "Hi there", nodeThreshold = 0.2 });

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("The prompt is 71 tokens with BOS; attribution graphs allow at most 64.", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, tooLong));
        Assert.Equal("nodeThreshold must be 0.5 to 1; got 0.2.", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, badThreshold));
    }

    [Fact]
    public async Task Generate_Prompt_RunsAJobWithProgressThatStoresAValidGraph()
    {
        var user = await app.SignUpAsync("generator");

        var response = await user.KeyClient.PostAsJsonAsync("api/graph/generate", new { modelId = LiveAtlasApp.LiveModel, prompt = "Call me Ishmael", slug = "ishmael", maxFeatureNodes = 200, @async = true });

        await HttpAssert.StatusAsync(HttpStatusCode.Accepted, response);
        var job = (await response.Content.ReadFromJsonAsync<GraphJobDto>())!;
        Assert.Equal(("ishmael", "/tiny-gpt2/graph/ishmael"), (job.Slug, job.Url));
        var stages = new HashSet<string>();
        var deadline = DateTime.UtcNow.AddMinutes(5);   // a loaded two-core machine; the graph itself takes about a second
        while (job.State is not ("succeeded" or "failed" or "cancelled") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            job = (await user.KeyClient.GetFromJsonAsync<GraphJobDto>(job.StatusUrl))!;
            if (job.Stage is { } stage) stages.Add(stage);
        }
        Assert.True(job.State == "succeeded", $"job ended {job.State}: {job.Error}");
        Assert.Equal("storing", job.Stage);
        var graph = GraphUpload.Check(JsonNode.Parse(await user.KeyClient.GetStringAsync($"api/graph/{LiveAtlasApp.LiveModel}/ishmael/json")));
        var tokenizer = Core.Tokenization.Gpt2Tokenizer.CreateDefault();
        Assert.Equal(tokenizer.GetTokenStrings(tokenizer.Encode("Call me Ishmael", prependBos: true)), graph["metadata"]!["prompt_tokens"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(GraphAtlasApp.TranscoderNames, graph["metadata"]!["transcoder_list"]!.AsArray().Select(t => (string)t!));
        Assert.Contains(graph["nodes"]!.AsArray(), n => (string)n!["feature_type"]! == "cross layer transcoder");
        Assert.Equal(["ishmael"], (await user.KeyClient.GetFromJsonAsync<GraphDto[]>("api/graph/list"))!.Select(g => g.Slug));
        var other = await app.SignUpAsync("nosy");
        Assert.Equal(HttpStatusCode.NotFound, (await other.KeyClient.GetAsync(job.StatusUrl)).StatusCode);
    }

    [Fact]
    public async Task Generate_NeuronpediaClientBody_AnswersWhenTheGraphIsStored()
    {
        var user = await app.SignUpAsync("np-generator");
        // graph_request.py generate(): {modelId, prompt, slug, maxNLogits, desiredLogitProb, nodeThreshold, edgeThreshold}, then get(modelId, slug).
        var body = new { modelId = LiveAtlasApp.LiveModel, prompt = "Call me Ishmael.", slug = "np-ishmael", maxNLogits = 10, desiredLogitProb = 0.95, nodeThreshold = 0.8, edgeThreshold = 0.98 };

        var generated = await HttpAssert.OkJsonAsync(await user.KeyClient.PostAsJsonAsync("api/graph/generate", body));
        var row = await HttpAssert.OkJsonAsync(await user.KeyClient.GetAsync($"api/graph/{LiveAtlasApp.LiveModel}/np-ishmael"));

        var stored = await app.Store.Graphs.GetGraphAsync(LiveAtlasApp.LiveModel, "np-ishmael", None);
        Assert.Equal((stored!.Nodes, stored.Links), (generated.GetProperty("numNodes").GetInt32(), generated.GetProperty("numLinks").GetInt32()));
        Assert.EndsWith("/tiny-gpt2/graph/np-ishmael", generated.GetProperty("url").GetString());
        Assert.Equal(row.GetProperty("url").GetString(), generated.GetProperty("s3url").GetString());
        Assert.Equal("np-ishmael", row.GetProperty("slug").GetString());
    }

    private static StringContent Json(JsonNode graph) => new(graph.ToJsonString(), Encoding.UTF8, "application/json");
}
