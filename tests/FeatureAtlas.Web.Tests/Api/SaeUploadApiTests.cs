using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// <c>POST /api/sae/upload</c>: an SAELens SAE for a model of the site is checked before anything runs; a bad one
/// (wrong d_in, a hook the model lacks, a NaN weight, an oversized cfg.json) answers ProblemDetails naming the problem
/// and leaves no folder and no SAE behind; a good one joins the model, its chain of jobs is recorded under
/// <c>model/sae</c>, and the SAE's page shows it processing. Anonymous callers are refused.
/// </summary>
public sealed class SaeUploadApiTests(LiveAtlasApp app) : IClassFixture<LiveAtlasApp>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Upload_Anonymous_IsRefusedAndKeepsNothing()
    {
        var response = await app.CreateClient().PostAsync("api/sae/upload", Form("anon", Cfg(), Weights()));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(await app.Store.Models.GetSaeAsync(LiveAtlasApp.LiveModel, "anon", None));
    }

    [Theory]
    [InlineData("d_in", "16", "tensor 'W_enc' has shape")]
    [InlineData("hook_name", "\"blocks.7.hook_resid_pre\"", "not a hook of this model")]
    [InlineData("hook_name", "\"blocks.0.attn.hook_pattern\"", "cannot read")]
    public async Task Upload_CfgDoesNotFitTheModel_AnswersProblemNamingItAndKeepsNothing(string field, string value, string expected)
    {
        var user = await app.SharedUserAsync("uploader");
        var cfg = JsonNode.Parse(Cfg())!;
        cfg[field] = JsonNode.Parse(value);
        // SAELens's newer cfg.json repeats fields under metadata, which wins when present.
        if (cfg["metadata"] is JsonObject metadata && metadata.ContainsKey(field)) metadata[field] = JsonNode.Parse(value);
        var name = "bad-" + new string(value.Where(char.IsLetterOrDigit).ToArray());

        var response = await user.Client.PostAsync("api/sae/upload", Form(name, cfg.ToJsonString(), Weights()));

        await HttpAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
        await AssertNothingKeptAsync(name);
    }

    [Fact]
    public async Task Upload_NonFiniteWeight_AnswersProblemNamingTheTensor()
    {
        var user = await app.SharedUserAsync("uploader");
        var weights = Weights();
        // The last float of the file is the last element of the last tensor; make it NaN.
        BitConverter.GetBytes(float.NaN).CopyTo(weights, weights.Length - 4);

        var response = await user.Client.PostAsync("api/sae/upload", Form("nan", Cfg(), weights));

        await HttpAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains("must be finite", (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
        await AssertNothingKeptAsync("nan");
    }

    [Fact]
    public async Task Upload_CfgOverTheLimit_Answers413AndKeepsNothing()
    {
        var user = await app.SharedUserAsync("uploader");
        var cfg = JsonNode.Parse(Cfg())!;
        cfg["padding"] = new string('x', 70 * 1024);

        var response = await user.Client.PostAsync("api/sae/upload", Form("huge", cfg.ToJsonString(), Weights()));

        await HttpAssert.StatusAsync(HttpStatusCode.RequestEntityTooLarge, response);
        await AssertNothingKeptAsync("huge");
    }

    [Fact]
    public async Task Upload_GoodSae_JoinsTheModelAndItsPageShowsTheChainProcessing()
    {
        var user = await app.SharedUserAsync("uploader");

        var response = await user.Client.PostAsync("api/sae/upload", Form("mine", Cfg(), Weights()));

        await HttpAssert.StatusAsync(HttpStatusCode.Accepted, response);
        var accepted = (await response.Content.ReadFromJsonAsync<SaeUploadDto>())!;
        Assert.Equal(("tiny-gpt2", "mine", "/tiny-gpt2/mine"), (accepted.Model, accepted.Sae, accepted.Url));
        var sae = await app.Store.Models.GetSaeAsync(LiveAtlasApp.LiveModel, "mine", None);
        Assert.NotNull(sae);
        Assert.True(File.Exists(Path.Combine(sae.Path!, "sae_weights.safetensors")));
        var job = (await app.Store.Jobs.GetJobAsync(accepted.JobId, None))!;
        Assert.Equal(("sae-build", "tiny-gpt2/mine", user.Actor.UserId), (job.Kind, job.Subject, job.UserId));

        var page = await user.Client.GetStringAsync("tiny-gpt2/mine");
        var finished = (await app.Store.Jobs.GetJobAsync(accepted.JobId, None))!;
        if (!finished.IsFinished) Assert.Contains("data-testid=\"sae-processing\"", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await user.Client.PostAsync("api/sae/upload", Form("mine", Cfg(), Weights()))).StatusCode);
    }

    private async Task AssertNothingKeptAsync(string name)
    {
        Assert.Null(await app.Store.Models.GetSaeAsync(LiveAtlasApp.LiveModel, name, None));
        var uploads = app.Services.GetRequiredService<AtlasWebOptions>().ResolvedSaeUploadDirectory();
        Assert.False(Directory.Exists(Path.Combine(uploads, LiveAtlasApp.LiveModel, name)));
        var incoming = Path.Combine(uploads, ".incoming");
        Assert.True(!Directory.Exists(incoming) || Directory.GetFileSystemEntries(incoming).Length == 0, "An upload's temporary folder was left behind.");
    }

    private string Cfg() => File.ReadAllText(Path.Combine(app.SaeDirectory, "cfg.json"));

    private byte[] Weights() => File.ReadAllBytes(Path.Combine(app.SaeDirectory, "sae_weights.safetensors"));

    private static MultipartFormDataContent Form(string name, string cfg, byte[] weights) => new()
    {
        { new StringContent(LiveAtlasApp.LiveModel), "model" },
        { new StringContent(name), "name" },
        { new StringContent(LiveAtlasApp.LiveCorpus), "corpus" },
        { new StringContent("1024"), "tokens" },
        { new StringContent(cfg), "cfg", "cfg.json" },
        { new ByteArrayContent(weights), "weights", "sae_weights.safetensors" },
    };
}
