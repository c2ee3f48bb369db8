using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// Neuronpedia's contract: each test replays the request bodies that Neuronpedia's Python client
/// (<c>webapp-python-client/neuronpedia/requests/*.py</c>) and its frontend (<c>apps/webapp/components/**</c>) build,
/// written here from reading that source, and checks every field the client and frontend read, with its JSON type,
/// against the shapes of Neuronpedia's route handlers and Prisma schema. The SAE is named as the client names it, by
/// source id (<c>1-res</c>: layer 1, set <c>res</c> for a resid_pre hook), and the numbers are checked against Core
/// run directly (the SAE's full encode, its decoder rows).
/// </summary>
public sealed class NeuronpediaContractTests(LiveAtlasApp app) : IClassFixture<LiveAtlasApp>
{
    private const string Model = LiveAtlasApp.LiveModel;
    private const string SourceId = "1-res";
    private const string Text = "Call me Ishmael. Some years ago, never mind how long";
    private const string Text2 = "if (x > 0) { y = f(x); }";

    private static void Kind(JsonValueKind expected, JsonElement parent, string field) =>
        Assert.True(parent.TryGetProperty(field, out var value) && value.ValueKind == expected, $"'{field}' should be {expected}; the JSON is {parent}");

    private static void NumberOrNull(JsonElement parent, string field) =>
        Assert.True(parent.TryGetProperty(field, out var v) && v.ValueKind is JsonValueKind.Number or JsonValueKind.Null, $"'{field}' should be a number or null in {parent}");

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    /// <summary>A feature whose dashboard has top examples, the smallest such index.</summary>
    private async Task<int> LiveFeatureAsync()
    {
        for (var i = 0; i < LiveAtlasApp.LiveDSae; i++)
        {
            var stored = await app.Store.Dashboards.GetFeatureAsync(Model, LiveAtlasApp.LiveSae, i, CancellationToken.None);
            if (stored is { Top.Count: > 1 }) return i;
        }
        throw new InvalidOperationException("No live feature has examples.");
    }

    /// <summary>[T][S] activations of every feature on BOS + text, by InferenceSession.Run (the full encode).</summary>
    private float[][] Encode(string text, out int[] tokens)
    {
        var session = InferenceSession.Load(app.ModelDirectory, [app.SaeDirectory]);
        tokens = Gpt2Tokenizer.CreateDefault().Encode(text, prependBos: true);
        var features = session.Run(tokens, logits: false).Features[LiveAtlasApp.LiveSae];
        return Enumerable.Range(0, tokens.Length).Select(t => features.Row(t).ToArray()).ToArray();
    }

    [Fact]
    public async Task FeatureGet_ClientBuiltSourceId_AnswersNeuronpediasFeatureWithEveryFieldTyped()
    {
        var index = await LiveFeatureAsync();
        var author = await app.SharedUserAsync("contract");
        await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/explanation/new",
            new { feature = new { modelId = Model, layer = SourceId, index = index.ToString(), explanation = "words about the sea" } }));
        using var client = app.CreateClient(author.ApiKey);

        // FeatureRequest.get: GET {BASE_URL}/feature/{model_id}/{source}/{index}.
        var feature = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/feature/{Model}/{SourceId}/{index}"));
        var byFolder = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/feature/{Model}/{LiveAtlasApp.LiveSae}/{index}"));

        Assert.Equal(byFolder.ToString(), feature.ToString());
        // layer is the source id, whichever name the request used (Neuronpedia's frontend builds links from it).
        Assert.Equal((Model, SourceId, index.ToString()), (feature.GetProperty("modelId").GetString(), feature.GetProperty("layer").GetString(), feature.GetProperty("index").GetString()));
        Kind(JsonValueKind.Number, feature, "frac_nonzero");
        Kind(JsonValueKind.Number, feature, "maxActApprox");
        foreach (var array in new[] { "pos_str", "pos_values", "neg_str", "neg_values", "freq_hist_data_bar_heights", "freq_hist_data_bar_values", "logits_hist_data_bar_heights", "logits_hist_data_bar_values", "lists", "comments", "vector" })
        {
            Kind(JsonValueKind.Array, feature, array);
        }
        Assert.False(feature.GetProperty("hasVector").GetBoolean());
        Assert.Equal("res", feature.GetProperty("sourceSetName").GetString());

        var source = feature.GetProperty("source");
        Assert.Equal((SourceId, Model, "res"), (source.GetProperty("id").GetString(), source.GetProperty("modelId").GetString(), source.GetProperty("setName").GetString()));
        Assert.True(source.GetProperty("inferenceEnabled").GetBoolean());
        Assert.True(source.GetProperty("hasDashboards").GetBoolean());
        var set = feature.GetProperty("sourceSet");
        Assert.Equal(("res", Model), (set.GetProperty("name").GetString(), set.GetProperty("modelId").GetString()));
        Kind(JsonValueKind.String, set, "description");
        Assert.Equal(Model, feature.GetProperty("model").GetProperty("id").GetString());
        Assert.True(feature.GetProperty("model").GetProperty("inferenceEnabled").GetBoolean());

        // Activation.from_np_db_json reads modelId, source, index (int()), tokens, values, binMax, binMin, binContains;
        // the frontend reads id, layer, maxValue, maxValueTokenIndex, qualifyingTokenIndex. Rows come maximum first.
        var stored = await app.Store.Dashboards.GetFeatureAsync(Model, LiveAtlasApp.LiveSae, index, CancellationToken.None);
        var rows = feature.GetProperty("activations").EnumerateArray().ToArray();
        Assert.Equal(stored!.Top.Count + stored.Intervals.Sum(i => i.Examples.Count), rows.Length);
        Assert.Equal(rows.Length, rows.Select(r => r.GetProperty("id").GetString()).Distinct().Count());
        var previous = float.PositiveInfinity;
        foreach (var row in rows)
        {
            Assert.Equal((Model, SourceId, SourceId, index.ToString()),
                (row.GetProperty("modelId").GetString(), row.GetProperty("layer").GetString(), row.GetProperty("source").GetString(), row.GetProperty("index").GetString()));
            var values = Floats(row.GetProperty("values"));
            Assert.Equal(values.Length, row.GetProperty("tokens").GetArrayLength());
            var max = row.GetProperty("maxValue").GetSingle();
            Assert.Equal(values.Max(), max);
            Assert.Equal(Array.IndexOf(values, values.Max()), row.GetProperty("maxValueTokenIndex").GetInt32());
            Assert.Equal(values.Min(), row.GetProperty("minValue").GetSingle());
            Assert.InRange(row.GetProperty("qualifyingTokenIndex").GetInt32(), 0, values.Length - 1);
            NumberOrNull(row, "binMin");
            NumberOrNull(row, "binMax");
            NumberOrNull(row, "binContains");
            Kind(JsonValueKind.Array, row, "dfaValues");
            Assert.True(max <= previous, "activations are ordered by maxValue, highest first");
            previous = max;
        }
        // The top example's chosen token is its qualifying token, with the stored value there.
        var topRow = rows.First(r => r.GetProperty("binMin").ValueKind == JsonValueKind.Null && Floats(r.GetProperty("values"))[r.GetProperty("qualifyingTokenIndex").GetInt32()] == stored.Top[0].Value);
        Assert.NotEqual(JsonValueKind.Undefined, topRow.ValueKind);
        Assert.Contains(rows, r => r.GetProperty("binMin").ValueKind == JsonValueKind.Number);

        // Explanation.from_np_db_json reads modelId, source, index, description, typeName, explanationModelName; scores is an array.
        var explanation = feature.GetProperty("explanations").EnumerateArray().Single(e => e.GetProperty("description").GetString() == "words about the sea");
        Assert.Equal((Model, SourceId, index.ToString(), "manual"),
            (explanation.GetProperty("modelId").GetString(), explanation.GetProperty("source").GetString(), explanation.GetProperty("index").GetString(), explanation.GetProperty("typeName").GetString()));
        Kind(JsonValueKind.Array, explanation, "scores");
        Assert.Equal(author.Name, explanation.GetProperty("triggeredByUser").GetProperty("name").GetString());
        Assert.Equal(author.Actor.UserId.ToString(), explanation.GetProperty("triggeredByUser").GetProperty("id").GetString());
    }

    [Fact]
    public async Task FeatureGet_TopkCosSim_AreTheNearestDecoderRowsByCosine()
    {
        var index = await LiveFeatureAsync();
        var wDec = SparseAutoencoder.Load(app.SaeDirectory).Parameters.WDec;
        var dIn = wDec.Length / LiveAtlasApp.LiveDSae;
        double Dot(int a, int b) => Enumerable.Range(0, dIn).Sum(i => (double)wDec[a * dIn + i] * wDec[b * dIn + i]);
        var expected = Enumerable.Range(0, LiveAtlasApp.LiveDSae)
            .Select(f => (Feature: f, Cosine: Dot(index, f) / Math.Sqrt(Dot(index, index) * Dot(f, f))))
            .OrderByDescending(x => x.Cosine).ThenBy(x => x.Feature).Take(25).ToArray();
        using var client = app.CreateClient();

        var feature = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/feature/{Model}/{SourceId}/{index}"));

        var indices = feature.GetProperty("topkCosSimIndices").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var values = Floats(feature.GetProperty("topkCosSimValues"));
        Assert.Equal(index, indices[0]);
        Assert.Equal(expected.Select(e => e.Feature), indices);
        for (var i = 0; i < values.Length; i++) Assert.Equal(expected[i].Cosine, values[i], 4);
    }

    [Fact]
    public async Task ActivationNew_ClientFeatureBodyAndFrontendNeuronBody_AnswerTheSameActivation()
    {
        var index = await LiveFeatureAsync();
        var acts = Encode(Text, out var tokens);
        using var client = app.CreateClient();
        // The frontend's `neuron` is the whole feature JSON it fetched (source is an object there, index a string).
        var neuron = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/feature/{Model}/{SourceId}/{index}"));

        // ActivationRequest.compute_activation_for_text: {feature: {modelId, layer, index: str}, customText}.
        var fromClient = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/activation/new",
            new { feature = new { modelId = Model, layer = SourceId, index = index.ToString() }, customText = Text }));
        // activation-single-form.tsx: {customText, neuron, ignoreBos}.
        var fromFrontend = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/activation/new", new { customText = Text, neuron, ignoreBos = false }));

        Assert.Equal(fromClient.ToString(), fromFrontend.ToString());
        var values = Floats(fromClient.GetProperty("values"));
        Assert.Equal(tokens.Length, values.Length);
        for (var t = 0; t < values.Length; t++) Assert.Equal(acts[t][index], values[t], 5);
        Assert.Equal(tokens.Length, fromClient.GetProperty("tokens").GetArrayLength());
        Assert.Equal(values.Max(), fromClient.GetProperty("maxValue").GetSingle());
        Assert.Equal(Array.IndexOf(values, values.Max()), fromClient.GetProperty("maxValueTokenIndex").GetInt32());
        Assert.Equal((Model, SourceId, index.ToString()), (fromClient.GetProperty("modelId").GetString(), fromClient.GetProperty("layer").GetString(), fromClient.GetProperty("index").GetString()));

        // compute_activation_for_texts: customText a list; one result per text, in order.
        var batch = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/activation/new",
            new { feature = new { modelId = Model, layer = SourceId, index = index.ToString() }, customText = new[] { Text, Text2 } }));
        Assert.Equal(2, batch.GetArrayLength());
        Assert.Equal(fromClient.GetProperty("values").ToString(), batch[0].GetProperty("values").ToString());
    }

    [Fact]
    public async Task SearchAll_ClientSingleAndBatchBodies_AnswerResultAndResults()
    {
        var acts = Encode(Text, out _);
        var expected = Enumerable.Range(0, LiveAtlasApp.LiveDSae).Select(f => (Feature: f, Max: acts.Skip(1).Max(r => r[f])))
            .Where(x => x.Max > 0).OrderByDescending(x => x.Max).ThenBy(x => x.Feature).Take(20).Select(x => x.Feature.ToString()).ToArray();
        using var client = app.CreateClient();
        object Body(object text) => new
        {
            text, modelId = Model, sourceSet = "res", selectedLayers = new[] { SourceId }, ignoreBos = true, sortIndexes = Array.Empty<int>(), densityThreshold = -1, numResults = 20,
        };

        // SourceActivationRequest.compute_top_features_for_text, then compute_top_features_for_texts.
        var single = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/search-all", Body(Text)));
        var batch = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/search-all", Body(new[] { Text, Text2 })));

        var result = single.GetProperty("result").EnumerateArray().ToArray();
        Assert.Equal(expected, result.Select(r => r.GetProperty("index").GetString()));
        foreach (var r in result)
        {
            Assert.Equal((Model, SourceId), (r.GetProperty("modelId").GetString(), r.GetProperty("layer").GetString()));
            Assert.Equal(single.GetProperty("tokens").GetArrayLength(), r.GetProperty("values").GetArrayLength());
        }
        var results = batch.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(2, results.Length);
        Assert.Equal(single.ToString(), results[0].ToString());
        Kind(JsonValueKind.Array, results[1], "tokens");
        Kind(JsonValueKind.Array, results[1], "sortIndexes");
    }

    [Fact]
    public async Task SearchAll_UnknownSourceSet_Is404NamingIt()
    {
        using var client = app.CreateClient();

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await client.PostAsJsonAsync("api/search-all",
            new { text = Text, modelId = Model, sourceSet = "res-jb", selectedLayers = new[] { "1-res-jb" }, ignoreBos = true, sortIndexes = Array.Empty<int>(), densityThreshold = -1, numResults = 20 }));

        Assert.Contains("res-jb", detail);
        // The client given a folder name derives the set from it ("tiny-res1" → "res1"): the SAE is named exactly, so it runs.
        var byFolder = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/search-all",
            new { text = Text, modelId = Model, sourceSet = "res1", selectedLayers = new[] { LiveAtlasApp.LiveSae }, ignoreBos = true, sortIndexes = Array.Empty<int>(), densityThreshold = -1, numResults = 20 }));
        Assert.NotEqual(0, byFolder.GetProperty("result").GetArrayLength());
    }

    [Fact]
    public async Task ListComments_FrontendBodies_AddShowAndDelete()
    {
        var owner = await app.SignUpAsync("listowner");
        var reader = await app.SignUpAsync("listreader");
        var list = await HttpAssert.OkJsonAsync(await owner.Client.PostAsJsonAsync("api/list/new", new { name = "Commented", description = "" }));
        var id = list.GetProperty("id").GetString()!;

        // list.tsx: list/comment/new {listId, text}; list/comment/delete {commentId}.
        var comment = await HttpAssert.OkJsonAsync(await reader.Client.PostAsJsonAsync("api/list/comment/new", new { listId = id, text = "Nice list" }));
        var got = await HttpAssert.OkJsonAsync(await owner.Client.PostAsJsonAsync("api/list/get", new { listId = id }));
        var shown = Assert.Single(got.GetProperty("comments").EnumerateArray());
        Assert.Equal(("Nice list", reader.Name, id), (shown.GetProperty("text").GetString(), shown.GetProperty("user").GetProperty("name").GetString(), shown.GetProperty("listId").GetString()));
        await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await reader.Client.PostAsJsonAsync("api/list/comment/new", new { listId = id, text = " x " }));
        await HttpAssert.ProblemAsync(HttpStatusCode.Forbidden, await owner.Client.PostAsJsonAsync("api/list/comment/delete", new { commentId = comment.GetProperty("id").GetInt32() }));

        var deleted = await HttpAssert.OkJsonAsync(await reader.Client.PostAsJsonAsync("api/list/comment/delete", new { commentId = comment.GetProperty("id").GetInt32() }));

        Assert.Equal(1, deleted.GetProperty("count").GetInt32());
        Assert.Empty((await HttpAssert.OkJsonAsync(await owner.Client.PostAsJsonAsync("api/list/get", new { listId = id }))).GetProperty("comments").EnumerateArray());
        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, await app.CreateClient().PostAsJsonAsync("api/list/comment/new", new { listId = id, text = "anonymous" }));
    }

    [Fact]
    public async Task SearchTopkByToken_ClientSingleAndBatchBodies_AnswerResultsPerToken()
    {
        using var client = app.CreateClient();
        // TopKByTokenRequest: densityThreshold 0.0 by default, which Neuronpedia's server reads as off.
        object Body(object text) => new { modelId = Model, source = SourceId, text, numResults = 5, ignoreBos = true, densityThreshold = 0.0 };

        var single = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/search-topk-by-token", Body(Text)));
        var batch = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/search-topk-by-token", Body(new[] { Text, Text2 })));

        var acts = Encode(Text, out var tokens);
        var rows = single.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(tokens.Length - 1, rows.Length);
        foreach (var row in rows)
        {
            var position = row.GetProperty("position").GetInt32();
            Kind(JsonValueKind.String, row, "token");
            var top = row.GetProperty("topFeatures").EnumerateArray().ToArray();
            var expected = Enumerable.Range(0, LiveAtlasApp.LiveDSae).Where(f => acts[position][f] > 0).OrderByDescending(f => acts[position][f]).ThenBy(f => f).Take(5);
            Assert.Equal(expected, top.Select(f => f.GetProperty("featureIndex").GetInt32()));
            foreach (var f in top) Assert.Equal(acts[position][f.GetProperty("featureIndex").GetInt32()], f.GetProperty("activationValue").GetSingle(), 5);
        }
        var results = batch.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(2, results.Length);
        Assert.Equal(single.GetProperty("results").ToString(), results[0].GetProperty("results").ToString());
    }

    [Fact]
    public async Task ActivationGetAndSource_ClientBodies_AnswerStoredRowsAndEveryActiveFeature()
    {
        var index = await LiveFeatureAsync();
        using var client = app.CreateClient();
        var feature = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/feature/{Model}/{SourceId}/{index}"));

        var rows = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/activation/get", new { modelId = Model, source = SourceId, index = index.ToString() }));
        // ActivationRequest.compute_all_source_activations_for_text: {customText, modelId, source}; it reads data["results"].
        var source = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/activation/source", new { customText = Text, modelId = Model, source = SourceId }));

        Assert.Equal(feature.GetProperty("activations").ToString(), rows.ToString());
        var acts = Encode(Text, out var tokens);
        var result = Assert.Single(source.GetProperty("results").EnumerateArray());
        Assert.Equal(tokens.Length, result.GetProperty("tokens").GetArrayLength());
        var active = result.GetProperty("activeFeatures");
        for (var f = 0; f < LiveAtlasApp.LiveDSae; f++)
        {
            var expected = Enumerable.Range(1, tokens.Length - 1).Where(t => acts[t][f] > 0).ToArray();
            if (expected.Length == 0)
            {
                Assert.False(active.TryGetProperty(f.ToString(), out _));
                continue;
            }
            var pairs = active.GetProperty(f.ToString()).EnumerateArray().ToArray();
            Assert.Equal(expected, pairs.Select(p => p[0].GetInt32()));
            for (var i = 0; i < pairs.Length; i++) Assert.Equal(acts[expected[i]][f], pairs[i][1].GetSingle(), 5);
        }
        await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await client.PostAsJsonAsync("api/activation/get", new { modelId = Model, source = "7-res", index = "1" }));
    }

    [Fact]
    public async Task Lists_ClientCalls_AnswerIdsNamesAndNeurons()
    {
        var user = await app.SignUpAsync("lister");
        var c = user.KeyClient;

        // ListRequest.new, add_items, get, get_owned.
        var list = await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/list/new", new { name = "Sea words", description = "" }));
        var id = list.GetProperty("id").GetString()!;
        Assert.Equal(("Sea words", ""), (list.GetProperty("name").GetString(), list.GetProperty("description").GetString()));
        var added = await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/list/add-features", new
        {
            listId = id,
            featuresToAdd = new object[] { new { modelId = Model, layer = SourceId, index = "3", description = "" }, new { modelId = Model, layer = SourceId, index = 1, description = "first" } },
        }));
        var got = await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/list/get", new { listId = id }));
        var owned = await HttpAssert.OkJsonAsync(await c.PostAsync("api/list/list", null));

        Assert.Equal(["3", "1"], added.EnumerateArray().Select(r => r.GetProperty("index").GetString()));
        foreach (var row in added.EnumerateArray())
        {
            Assert.Equal((Model, SourceId, id), (row.GetProperty("modelId").GetString(), row.GetProperty("layer").GetString(), row.GetProperty("listId").GetString()));
        }
        Assert.Equal((id, "Sea words"), (got.GetProperty("id").GetString(), got.GetProperty("name").GetString()));
        Assert.Equal(["1", "3"], got.GetProperty("neurons").EnumerateArray().Select(r => r.GetProperty("index").GetString()));
        Assert.Equal("first", got.GetProperty("neurons")[0].GetProperty("description").GetString());
        Assert.All(got.GetProperty("neurons").EnumerateArray(), r => Assert.Equal(SourceId, r.GetProperty("layer").GetString()));
        Assert.Equal(user.Name, got.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal(id, Assert.Single(owned.EnumerateArray()).GetProperty("id").GetString());

        // The feature JSON lists the list it is on.
        using var anonymous = app.CreateClient();
        var feature = await HttpAssert.OkJsonAsync(await anonymous.GetAsync($"api/feature/{Model}/{SourceId}/1"));
        var link = Assert.Single(feature.GetProperty("lists").EnumerateArray());
        Assert.Equal((id, "Sea words"), (link.GetProperty("listId").GetString(), link.GetProperty("list").GetProperty("name").GetString()));
    }

    [Fact]
    public async Task FrontendWrites_CommentVoteExplanationAndBookmarks_AnswerNeuronpediasShapes()
    {
        var user = await app.SignUpAsync("writer");
        var c = user.Client;
        var index = await LiveFeatureAsync();
        var key = new { modelId = Model, layer = SourceId, index = index.ToString() };

        // comment-provider.tsx: comment/new with the feature and text, then comment/delete with {id}.
        var comment = await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/comment/new", new { key.modelId, key.layer, key.index, text = "Looks like the sea." }));
        Assert.Equal((index.ToString(), user.Name, SourceId), (comment.GetProperty("index").GetString(), comment.GetProperty("user").GetProperty("name").GetString(), comment.GetProperty("layer").GetString()));
        var onFeature = await HttpAssert.OkJsonAsync(await c.GetAsync($"api/feature/{Model}/{SourceId}/{index}"));
        Assert.Contains(onFeature.GetProperty("comments").EnumerateArray(), x => x.GetProperty("text").GetString() == "Looks like the sea.");
        var deleted = await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/comment/delete", new { id = comment.GetProperty("id").GetInt32().ToString() }));
        Assert.Equal("ok", deleted.GetProperty("message").GetString());

        // vote-widget.tsx posts '{}' to explanation/{id}/vote: an upvote (by another user: nobody votes on their own).
        var explanation = await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/explanation/new", new { feature = new { key.modelId, key.layer, key.index, explanation = "waves" } }));
        var id = explanation.GetProperty("id").GetInt32();
        var voter = await app.SignUpAsync("voter");
        var vote = await HttpAssert.OkJsonAsync(await voter.Client.PostAsync($"api/explanation/{id}/vote", new StringContent("{}", Encoding.UTF8, "application/json")));
        Assert.Equal((1, 1, id), (vote.GetProperty("points").GetInt32(), vote.GetProperty("votes").GetInt32(), vote.GetProperty("explanationId").GetInt32()));
        var read = await HttpAssert.OkJsonAsync(await c.GetAsync($"api/explanation/{id}"));
        Assert.Equal(("waves", 1, index.ToString()), (read.GetProperty("description").GetString(), read.GetProperty("votes").GetInt32(), read.GetProperty("index").GetString()));

        // explanations-pane.tsx: POST explanation/{id}/delete with no body.
        var gone = await HttpAssert.OkJsonAsync(await c.PostAsync($"api/explanation/{id}/delete", new StringContent("", Encoding.UTF8, "application/json")));
        Assert.Equal("Explanation deleted", gone.GetProperty("message").GetString());
        await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await c.GetAsync($"api/explanation/{id}"));

        // bookmark-button.tsx: bookmark/add, then user/bookmarks with body '{}', matched on modelId, layer and index.
        await HttpAssert.OkJsonAsync(await c.PostAsJsonAsync("api/bookmark/add", key));
        var bookmarks = await HttpAssert.OkJsonAsync(await c.PostAsync("api/user/bookmarks", new StringContent("{}", Encoding.UTF8, "application/json")));
        var mark = Assert.Single(bookmarks.EnumerateArray());
        Assert.Equal((onFeature.GetProperty("modelId").GetString(), onFeature.GetProperty("layer").GetString(), onFeature.GetProperty("index").GetString()),
            (mark.GetProperty("modelId").GetString(), mark.GetProperty("layer").GetString(), mark.GetProperty("index").GetString()));
        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, await app.CreateClient().PostAsync("api/user/bookmarks", new StringContent("{}", Encoding.UTF8, "application/json")));
    }

    [Fact]
    public async Task SourceSet_ClientGetAndNew_AnswerNeuronpediasRowWithSources()
    {
        var author = await app.SignUpAsync("setmaker");
        using var anonymous = app.CreateClient();

        // source_set_request.py get(model_id, name): name, modelId, description, urls, sources[{id, modelId, setName}].
        var res = await HttpAssert.OkJsonAsync(await anonymous.GetAsync($"api/source-set/{Model}/res"));
        Assert.Equal(("res", Model), (res.GetProperty("name").GetString(), res.GetProperty("modelId").GetString()));
        var source = Assert.Single(res.GetProperty("sources").EnumerateArray());
        Assert.Equal((SourceId, Model, "res"), (source.GetProperty("id").GetString(), source.GetProperty("modelId").GetString(), source.GetProperty("setName").GetString()));
        Assert.Equal(JsonValueKind.Array, res.GetProperty("urls").ValueKind);

        // new(name, model_id, description, url).
        var body = new { name = "puppyscope-res-16k", modelId = Model, description = "Residual Stream - 16k", url = "https://example.org/puppyscope" };
        var created = await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/source-set/new", body));
        var fetched = await HttpAssert.OkJsonAsync(await anonymous.GetAsync($"api/source-set/{Model}/puppyscope-res-16k"));
        foreach (var row in new[] { created, fetched })
        {
            Assert.Equal(("puppyscope-res-16k", "Residual Stream - 16k", "Custom", author.Name, "UNLISTED"),
                (row.GetProperty("name").GetString(), row.GetProperty("description").GetString(), row.GetProperty("type").GetString(), row.GetProperty("creatorName").GetString(), row.GetProperty("visibility").GetString()));
            Assert.Equal(["https://example.org/puppyscope"], row.GetProperty("urls").EnumerateArray().Select(u => u.GetString()));
            Assert.Empty(row.GetProperty("sources").EnumerateArray());
        }

        Assert.Contains("already has a source set named 'puppyscope-res-16k'", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await author.Client.PostAsJsonAsync("api/source-set/new", body)));
        Assert.Contains("already has a source set named 'res'", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await author.Client.PostAsJsonAsync("api/source-set/new", body with { name = "res" })));
        Assert.Contains("name:", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await author.Client.PostAsJsonAsync("api/source-set/new", body with { name = "Puppy_Scope" })));
        Assert.Contains("url", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await author.Client.PostAsJsonAsync("api/source-set/new", body with { name = "kittyscope", url = "javascript:alert(1)" })));
        Assert.Contains("no-such-model", await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await author.Client.PostAsJsonAsync("api/source-set/new", body with { name = "kittyscope", modelId = "no-such-model" })));
        Assert.Contains("no source set 'nope'", await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await anonymous.GetAsync($"api/source-set/{Model}/nope")));
        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, await anonymous.PostAsJsonAsync("api/source-set/new", body with { name = "kittyscope" }));
    }

    [Fact]
    public async Task ExplanationSearchRelease_SourceSetAsRelease_FindsItsExplanations()
    {
        var author = await app.SharedUserAsync("releaser");
        var index = await LiveFeatureAsync();
        await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/explanation/new",
            new { feature = new { modelId = Model, layer = SourceId, index = index.ToString(), explanation = "harpoons and whaleboats" } }));
        using var client = app.CreateClient();

        // Neuronpedia's search-release body: {releaseName, query, offset}.
        var page = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/explanation/search-release", new { releaseName = $"{Model}-res", query = "whaleboats", offset = 0 }));

        var hit = Assert.Single(page.GetProperty("results").EnumerateArray());
        Assert.Equal((Model, SourceId, index.ToString(), "harpoons and whaleboats"),
            (hit.GetProperty("modelId").GetString(), hit.GetProperty("layer").GetString(), hit.GetProperty("index").GetString(), hit.GetProperty("description").GetString()));
        Assert.Equal(1, page.GetProperty("resultsCount").GetInt32());
        Assert.False(page.GetProperty("hasMore").GetBoolean());
        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await client.PostAsJsonAsync("api/explanation/search-release", new { releaseName = "gpt2sm-res-jb", query = "whaleboats" }));
        Assert.Contains("gpt2sm-res-jb", detail);
        // "res" alone is a set of both models here: a 400 naming the releases to choose from.
        var ambiguous = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await client.PostAsJsonAsync("api/explanation/search-release", new { releaseName = "res", query = "whaleboats" }));
        Assert.Contains($"'{Model}-res'", ambiguous);
    }

    [Theory]
    [InlineData("POST", "api/no-such-endpoint")]
    [InlineData("GET", "api/no-such-endpoint")]
    [InlineData("PUT", "api/list/no-such")]
    [InlineData("DELETE", "api/comment/nope")]
    [InlineData("POST", "api/tiny-gpt2/1-res")]
    public async Task UnknownApiPath_AnyMethod_Is404ProblemDetails(string method, string path)
    {
        using var client = app.CreateClient();

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}", Encoding.UTF8, "application/json") });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
