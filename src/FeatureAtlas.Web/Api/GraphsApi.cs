using System.Text.Json.Nodes;
using FeatureAtlas.Core.Graphs;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Data;
using FeatureAtlas.Jobs;
using FeatureAtlas.Jobs.Queue;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Auth;
using FeatureAtlas.Web.Graphs;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// Stored attribution graphs. Neuronpedia's paths where it has them: <c>GET /api/graph/{modelId}/{slug}</c> (the
/// metadata row, whose <c>url</c> is the JSON's address, <c>GET /api/graph/{modelId}/{slug}/json</c>, clerps filled from
/// explanations), <c>POST /api/graph/list-owned</c> and <c>POST /api/graph/generate</c> (its fields; here a background job, so
/// it answers 202 with the job to follow at <c>GET /api/graph/generate/{jobId}</c>). Ours where it has none:
/// <c>POST /api/graph/upload</c> (Neuronpedia uploads through a signed S3 PUT; here the body is the graph JSON, checked
/// against the schema before anything is stored), <c>GET /api/graph/list</c> (your graphs) and
/// <c>POST /api/graph/delete</c>. Graph steering (<c>POST /api/graph/steer</c>) lives beside the graph maths.
/// </summary>
public static class GraphsApi
{
    /// <summary>Graphs a list returns at most.</summary>
    public const int ListLimit = 200;

    public static IEndpointRouteBuilder MapGraphsApi(this IEndpointRouteBuilder api)
    {
        var limits = api.ServiceProvider.GetRequiredService<AtlasWebOptions>();
        api.MapGet("/graph/list", List).RequireAuthorization(AtlasAuthExtensions.SignedIn).AsRead()
            .WithSummary("Your stored graphs, newest first (optionally one model's).");
        api.MapPost("/graph/upload", Upload).AsWrite(limits.MaxGraphUploadBytes)
            .WithSummary("Store a graph made elsewhere (circuit-tracer / Neuronpedia graph JSON as the body); checked against the graph schema, nothing stored on failure.");
        api.MapPost("/graph/delete", Delete).AsWrite()
            .WithSummary("Delete a graph of yours.");
        api.MapPost("/graph/generate", Generate)
            .RequireAuthorization(AtlasAuthExtensions.SignedIn)
            .RequireRateLimiting(AtlasRateLimits.Inference)
            .WithMetadata(new RequestSizeLimitAttribute(ApiConventions.SmallBody))
            .Produces<GraphGeneratedDto>()
            .Produces<GraphJobDto>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Generate the attribution graph of a prompt through the model's transcoders; answers when it is stored, or at once with the job to follow at statusUrl when async is true.");
        api.MapGet("/graph/generate/{jobId:long}", GenerateStatus).RequireAuthorization(AtlasAuthExtensions.SignedIn).AsRead()
            .WithSummary("Where a graph you asked for stands: state, stage, backward passes done of total, and the graph's address.");
        // Neuronpedia's client posts no body here, so no JSON content type is required.
        api.MapPost("/graph/list-owned", ListOwned).RequireAuthorization(AtlasAuthExtensions.SignedIn).AsRead()
            .WithSummary("Your stored graphs as Neuronpedia's metadata rows, newest first.");
        api.MapGet("/graph/{modelId}/{slug}", Get).AsRead()
            .WithSummary("A stored graph's metadata in Neuronpedia's shape (id, modelId, slug, prompt, promptTokens, url of the JSON).");
        api.MapGet("/graph/{modelId}/{slug}/json", GetJson).AsRead()
            .WithSummary("A stored graph's JSON (circuit-tracer / Neuronpedia graph schema), feature clerps filled from their best explanations.");
        return api;
    }

    public static async Task<Ok<GraphMetadataDto>> Get(string modelId, string slug, HttpContext context, IGraphStore graphs, CancellationToken cancellationToken)
    {
        var graph = await graphs.GetGraphAsync(modelId, slug, cancellationToken) ?? throw new KeyNotFoundException($"Model '{modelId}' has no graph '{slug}'.");
        return TypedResults.Ok(await GraphMetadataDto.OfAsync(graph, graphs, Origin(context.Request), cancellationToken));
    }

    public static async Task<Ok<GraphMetadataDto[]>> ListOwned(HttpContext context, IGraphStore graphs, CancellationToken cancellationToken)
    {
        var actor = ApiInput.Caller(context.User);
        var rows = new List<GraphMetadataDto>();
        foreach (var graph in await graphs.ListGraphsAsync(actor.UserId, null, ListLimit, cancellationToken))
        {
            rows.Add(await GraphMetadataDto.OfAsync(graph, graphs, Origin(context.Request), cancellationToken));
        }
        return TypedResults.Ok(rows.ToArray());
    }

    private static string Origin(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    public static async Task<IResult> GetJson(string modelId, string slug, IGraphStore graphs, IModelStore models, IExplanationStore explanations, CancellationToken cancellationToken)
    {
        var json = await graphs.GetGraphJsonAsync(modelId, slug, cancellationToken) ?? throw new KeyNotFoundException($"Model '{modelId}' has no graph '{slug}'.");
        if (JsonNode.Parse(json) is JsonObject graph && await GraphLabels.FillAsync(graph, modelId, models, explanations, cancellationToken) > 0)
        {
            json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(graph);
        }
        return TypedResults.Bytes(json, "application/json");
    }

    public static async Task<Ok<GraphDto[]>> List(string? modelId, HttpContext context, IGraphStore graphs, CancellationToken cancellationToken)
    {
        var actor = ApiInput.Caller(context.User);
        var list = await graphs.ListGraphsAsync(actor.UserId, string.IsNullOrEmpty(modelId) ? null : modelId, ListLimit, cancellationToken);
        return TypedResults.Ok(list.Select(GraphDto.Of).ToArray());
    }

    public static async Task<Results<Ok<GraphDto>, ProblemHttpResult>> Upload(string? slug, HttpContext context, IGraphStore graphs, IModelStore models, IExplanationStore explanations,
        CancellationToken cancellationToken)
    {
        var actor = ApiInput.Caller(context.User);
        JsonObject graph;
        try
        {
            graph = await GraphUpload.ReadAsync(context.Request.Body, cancellationToken);
        }
        catch (GraphRejectedException e)
        {
            return TypedResults.Problem(title: e.Title, detail: string.Join(" ", e.Problems), statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["errors"] = e.Problems });
        }
        var metadata = graph["metadata"]!.AsObject();
        var model = (string)metadata["scan"]!;
        var name = GraphSlug.Check(string.IsNullOrEmpty(slug) ? (string)metadata["slug"]! : slug, string.IsNullOrEmpty(slug) ? "metadata.slug" : "slug");
        if (await models.GetModelAsync(model, cancellationToken) is null)
        {
            throw new KeyNotFoundException($"metadata.scan names model '{model}', which is not on this site; graphs are stored under a model it hosts.");
        }
        var saved = await StoredGraphs.SaveAsync(graph, model, name, actor.UserId, "upload", models, graphs, explanations, cancellationToken);
        return TypedResults.Ok(GraphDto.Of(saved));
    }

    public sealed record DeleteGraphRequest(string? ModelId, string? Slug);

    public static async Task<Ok<MessageDto>> Delete(DeleteGraphRequest request, HttpContext context, IGraphStore graphs, CancellationToken cancellationToken)
    {
        var actor = ApiInput.Caller(context.User);
        var model = ApiInput.Required(request.ModelId, "modelId");
        var slug = ApiInput.Required(request.Slug, "slug");
        if (!await graphs.DeleteGraphAsync(actor, model, slug, cancellationToken)) throw new KeyNotFoundException($"Model '{model}' has no graph '{slug}'.");
        return TypedResults.Ok(new MessageDto($"Deleted graph '{slug}' of model '{model}'."));
    }

    public static async Task<Results<Ok<GraphGeneratedDto>, Accepted<GraphJobDto>, ProblemHttpResult>> Generate(GenerateGraphRequest request, HttpContext context, IModelStore models, IGraphStore graphs, IJobStore jobs,
        AtlasDatabase database, JobStorage storage, CancellationToken cancellationToken)
    {
        var actor = ApiInput.Caller(context.User);
        var modelId = ApiInput.Required(request.ModelId, "modelId");
        var prompt = ApiInput.Required(request.Prompt, "prompt");
        if (prompt.Length > GraphLimits.MaxPromptCharacters) throw new ArgumentException($"prompt is {prompt.Length} characters long; at most {GraphLimits.MaxPromptCharacters} are allowed.");
        var options = GraphLimits.Options(request);
        var model = await models.GetModelAsync(modelId, cancellationToken) ?? throw new KeyNotFoundException($"Model '{modelId}' is not on this site.");
        if (model.Path is null) throw new ArgumentException($"Model '{modelId}' has no weights on this site, so graphs cannot be generated for it.");
        var transcoders = GraphLimits.Transcoders(modelId, model.Layers, await models.ListSaesAsync(modelId, cancellationToken), request.SourceSetName);
        var tokens = Gpt2Tokenizer.Load(model.Path).Encode(prompt, prependBos: true).Length;
        if (tokens > GraphOptions.MaxPromptTokens) throw new ArgumentException($"The prompt is {tokens} tokens with BOS; attribution graphs allow at most {GraphOptions.MaxPromptTokens}.");
        var slug = string.IsNullOrWhiteSpace(request.Slug) ? GraphSlug.FromPrompt(prompt, DateTimeOffset.UtcNow) : GraphSlug.Check(request.Slug.Trim());
        if (await graphs.GetGraphAsync(modelId, slug, cancellationToken) is not null) throw new GraphSlugTakenException(modelId, slug);

        var job = await WholeJobs.EnqueueAsync(WholeJobs.Graph, options with { Model = modelId, Transcoders = transcoders, Prompt = prompt, Slug = slug, UserId = actor.UserId },
            actor.UserId, $"graph {modelId}/{slug}", jobs,
            // On SQLite the site's pump hands the job row to its in-memory queue; PostgreSQL's queue is shared with workers.
            database.Provider == AtlasProvider.Postgres ? new BackgroundJobClient(storage) : null, cancellationToken);
        var dto = Status(job, modelId, slug);
        if (request.Async == true) return TypedResults.Accepted(dto.StatusUrl, dto);

        // Neuronpedia answers when the graph is stored (its client reads the graph right after); the job goes on if the
        // caller leaves meanwhile, and its status stays at statusUrl.
        while (!job.IsFinished)
        {
            await Task.Delay(GeneratePoll, cancellationToken);
            job = await jobs.GetJobAsync(job.Id, cancellationToken) ?? throw new KeyNotFoundException($"Graph job {dto.JobId} is gone.");
        }
        if (job.State != JobStates.Succeeded)
        {
            return TypedResults.Problem(title: "Graph generation failed", detail: $"Graph job {job.Id} {job.State}: {job.Error ?? "no error was recorded"}",
                statusCode: StatusCodes.Status500InternalServerError);
        }
        var stored = await graphs.GetGraphAsync(modelId, slug, cancellationToken) ?? throw new KeyNotFoundException($"Graph job {job.Id} succeeded but model '{modelId}' has no graph '{slug}'.");
        var origin = $"{context.Request.Scheme}://{context.Request.Host}";
        return TypedResults.Ok(new GraphGeneratedDto("Graph generated", origin + GraphDto.JsonPath(modelId, slug), origin + Rendering.Links.Graph(modelId, slug),
            stored.Nodes, stored.Links, job.Id, slug));
    }

    /// <summary>How often a waiting <c>graph/generate</c> looks at its job.</summary>
    private static readonly TimeSpan GeneratePoll = TimeSpan.FromMilliseconds(250);

    public static async Task<Ok<GraphJobDto>> GenerateStatus(long jobId, HttpContext context, IJobStore jobs, CancellationToken cancellationToken)
    {
        var actor = ApiInput.Caller(context.User);
        var job = await jobs.GetJobAsync(jobId, cancellationToken);
        if (job is null || job.Kind != WholeJobs.Graph || (!actor.IsAdmin && job.UserId != actor.UserId)) throw new KeyNotFoundException($"You have no graph job {jobId}.");
        var options = System.Text.Json.JsonSerializer.Deserialize<GraphJobOptions>(job.OptionsJson) ?? throw new InvalidDataException($"Job {jobId} has no options.");
        return TypedResults.Ok(Status(job, options.Model, options.Slug));
    }

    private static GraphJobDto Status(JobRecord job, string model, string slug) =>
        new(job.Id, model, slug, job.State, job.Stage, job.Done, job.Total, job.Error, Rendering.Links.Graph(model, slug), $"/api/graph/generate/{job.Id}");
}
