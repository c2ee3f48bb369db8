using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Auth;
using FeatureAtlas.Web.Inference;
using FeatureAtlas.Web.Steering;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// Steering in Neuronpedia's shapes: <c>POST /api/steer</c> (anyone, inference rate limit; <c>stream: true</c> answers
/// server-sent events), <c>GET /api/steer/{id}</c> (a saved run) and <c>POST /api/vector/new</c> (signed in).
/// </summary>
public static class SteerApi
{
    /// <summary>32 vectors of a 1,600-wide model as JSON numbers fit in this.</summary>
    private const long SteerBody = 1 << 20;

    public static IEndpointRouteBuilder MapSteerApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/steer", Steer)
            .AsInference(SteerBody)
            .Produces<SteerResponse>()
            .WithSummary("Generate text with features (or custom vectors) steering the model, beside the unsteered text; saved with a share link.");
        api.MapGet("/steer/{id}", GetRun)
            .AsRead()
            .WithSummary("A saved steering run: its settings and its result.");
        api.MapPost("/vector/new", NewVector)
            .AsWrite(SteerBody)
            .WithSummary("Save a custom steering vector (d_model numbers at a hook); steer with it as vectors: [{vectorId, strength}].");
        api.MapPost("/vector/get", GetVector)
            .AsRead()
            .Accepts<VectorKeyRequest>("application/json")
            .WithSummary("A saved vector as Neuronpedia's row (modelId, layer: its source, index: its id, vectorLabel, hookName, vector, vectorDefaultSteerStrength).");
        // Neuronpedia's client posts no body here, so no JSON content type is required.
        api.MapPost("/vector/list-owned", ListVectors)
            .RequireAuthorization(AtlasAuthExtensions.SignedIn)
            .AsRead()
            .WithSummary("Your saved vectors as Neuronpedia's rows, newest first.");
        api.MapPost("/vector/delete", DeleteVector)
            .AsWrite()
            .WithSummary("Delete a saved vector of yours, named as Neuronpedia names it ({modelId, source, index}).");
        return api;
    }

    public static async Task<IResult> Steer(SteerRequest request, SteerService steer, HttpContext context, CancellationToken cancellationToken)
    {
        var prepared = await steer.PrepareAsync(request, cancellationToken);
        var shareUrl = ShareUrl(context.Request, prepared.Id);
        if (await steer.FindAsync(prepared, cancellationToken) is { } saved)
        {
            var cached = SteerService.Result(saved) with { ShareUrl = shareUrl, Cached = true };
            return request.Stream ? new SteerStream(null, cached with { Done = true }) : TypedResults.Ok(cached);
        }
        var client = InferenceClient.Of(context);
        var userId = context.User.UserId();
        if (!request.Stream)
        {
            var result = await steer.RunAsync(prepared, client, userId, null, cancellationToken);
            return TypedResults.Ok(result with { ShareUrl = shareUrl });
        }
        return new SteerStream(async (frames, ct) =>
        {
            var result = await steer.RunAsync(prepared, client, userId, frame => frames.TryWrite(frame), ct);
            return result with { ShareUrl = shareUrl, Done = true };
        }, null);
    }

    public static async Task<Ok<SavedSteerDto>> GetRun(string id, ISteerStore store, HttpContext context, CancellationToken cancellationToken)
    {
        var run = await store.GetSteerRunAsync(id, cancellationToken) ?? throw new KeyNotFoundException($"There is no saved steer run '{id}'.");
        return TypedResults.Ok(new SavedSteerDto(SteerService.Settings(run), SteerService.Result(run) with { ShareUrl = ShareUrl(context.Request, run.Id) }, run.CreatedAt));
    }

    public static async Task<Ok<VectorDto>> NewVector(NewVectorRequest request, ModelRuntime models, ISteerStore store, HttpContext context, CancellationToken cancellationToken)
    {
        var actor = ApiInput.Caller(context.User);
        var model = ApiInput.Required(request.ModelId, "modelId");
        var hook = request.Hook ?? NeuronpediaHook(request) ?? ApiInput.Required(request.Hook, "hook");
        var label = ApiInput.Required(request.Label ?? request.VectorLabel, "label").Trim();
        if (label.Length > SteerLimits.MaxLabelCharacters) throw new ArgumentException($"label is {label.Length} characters long; at most {SteerLimits.MaxLabelCharacters} are allowed.");
        var strength = request.DefaultStrength ?? request.VectorDefaultSteerStrength ?? 10;
        if (!double.IsFinite(strength) || Math.Abs(strength) > SteerLimits.MaxStrength) throw new ArgumentException($"defaultStrength must be a finite number within ±{SteerLimits.MaxStrength:0}; got {strength}.");
        var values = request.Vector ?? throw new ArgumentException("vector is required (d_model numbers).");
        var loaded = await models.GetAsync(model, cancellationToken);
        var config = loaded.Session.Model.Config;
        _ = SteerService.Direction(config, hook, values, "request", model);   // checks hook, length and finiteness
        var saved = await store.SaveSteerVectorAsync(new SteerVectorRecord(0, actor.UserId, model, hook, values.Select(v => (float)v).ToArray(), label, (float)strength, DateTimeOffset.UtcNow), cancellationToken);
        var np = new NpVectorDto(model, VectorSources.Of(hook), saved.Id.ToString(CultureInfo.InvariantCulture), label, saved.CreatedAt, saved.DefaultStrength, hook, saved.Vector);
        var url = $"{context.Request.Scheme}://{context.Request.Host}/steer?model={Uri.EscapeDataString(model)}";
        return TypedResults.Ok(new VectorDto("Success", url, np, saved.Id, model, hook, label, saved.DefaultStrength, values.Length, actor.UserName));
    }

    /// <summary>Neuronpedia's <c>blocks.{layerNumber}.{hookType}</c>; null when the body names neither.</summary>
    private static string? NeuronpediaHook(NewVectorRequest request)
    {
        if (request.LayerNumber is null && request.HookType is null) return null;
        var layer = request.LayerNumber ?? throw new ArgumentException("layerNumber is required with hookType (or send hook).");
        if (layer < 0) throw new ArgumentException($"layerNumber must be 0 or more; got {layer}.");
        var type = ApiInput.Required(request.HookType, "hookType");
        if (type is not ("hook_resid_pre" or "hook_resid_post")) throw new ArgumentException($"hookType must be hook_resid_pre or hook_resid_post; got '{type}'.");
        return HookNames.Block(layer, type);
    }

    /// <summary>Vectors a list-owned answer holds at most.</summary>
    public const int VectorListLimit = 500;

    public static async Task<Ok<NpVectorRowResponse>> GetVector(VectorKeyRequest request, ISteerStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new NpVectorRowResponse(NpVectorRowDto.Of(await FindVectorAsync(request, store, cancellationToken))));

    public static async Task<Ok<NpVectorListResponse>> ListVectors(HttpContext context, ISteerStore store, CancellationToken cancellationToken)
    {
        var actor = ApiInput.Caller(context.User);
        var vectors = await store.ListSteerVectorsAsync(actor.UserId, VectorListLimit, cancellationToken);
        return TypedResults.Ok(new NpVectorListResponse([.. vectors.Select(NpVectorRowDto.Of)]));
    }

    public static async Task<Ok<MessageDto>> DeleteVector(VectorKeyRequest request, ISteerStore store, HttpContext context, CancellationToken cancellationToken)
    {
        var actor = ApiInput.Caller(context.User);
        var vector = await FindVectorAsync(request, store, cancellationToken);
        await store.DeleteSteerVectorAsync(actor, vector.Id, cancellationToken);
        return TypedResults.Ok(new MessageDto("Success"));
    }

    /// <summary>The saved vector <c>{modelId, source, index}</c> names (source <c>{layer}-neuronpedia-…</c>, index its id); 404 when there is none of that model and source.</summary>
    private static async Task<SteerVectorRecord> FindVectorAsync(VectorKeyRequest request, ISteerStore store, CancellationToken cancellationToken)
    {
        var model = ApiInput.Required(request.ModelId, "modelId");
        var source = ApiInput.Required(request.Source, "source");
        if (!VectorSources.IsVectorSource(source)) throw new KeyNotFoundException($"'{source}' is not a source of saved vectors ({{layer}}-neuronpedia-resid-pre or -resid-post).");
        var id = VectorSources.Id(request.Index, "index");
        var vector = await store.GetSteerVectorAsync(id, cancellationToken);
        if (vector is null || vector.Model != model || VectorSources.Of(vector.Hook) != source) throw new KeyNotFoundException($"Model '{model}' has no saved vector {id} in source '{source}'.");
        return vector;
    }

    private static string ShareUrl(HttpRequest request, string id) => $"{request.Scheme}://{request.Host}/steer/{id}";

    /// <summary>
    /// Server-sent events: <c>data: {frame}\n\n</c> per step with both texts so far, then the whole answer with
    /// <c>done: true</c>. An error after the stream began is an <c>event: error</c> frame with a ProblemDetails body. The
    /// client going away cancels the request, and so the generation.
    /// </summary>
    private sealed class SteerStream(Func<ChannelWriter<SteerResponse>, CancellationToken, Task<SteerResponse>>? run, SteerResponse? ready) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            var response = context.Response;
            var ct = context.RequestAborted;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            await response.StartAsync(ct);
            if (ready is not null)
            {
                await WriteAsync(response, ready, ct);
                return;
            }
            // Frames carry the texts so far, so a slow reader loses nothing by skipping to the newest.
            var frames = Channel.CreateBounded<SteerResponse>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
            var work = run!(frames.Writer, ct);
            _ = work.ContinueWith(_ => frames.Writer.TryComplete(), TaskScheduler.Default);
            try
            {
                await foreach (var frame in frames.Reader.ReadAllAsync(ct)) await WriteAsync(response, frame, ct);
                await WriteAsync(response, await work, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The client went away; the work saw the same token and stopped.
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Headers are gone, so the status travels in the frame; a 500's own message stays on the server.
                var status = ApiErrors.StatusFor(e);
                if (status == StatusCodes.Status500InternalServerError)
                {
                    context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SteerApi)).LogError(e, "A streamed steering run failed.");
                }
                var detail = status == StatusCodes.Status500InternalServerError ? "An unexpected error stopped the run." : e.Message;
                var problem = new { title = "Steering failed", status, detail };
                await response.WriteAsync($"event: error\ndata: {JsonSerializer.Serialize(problem, SteerService.Json)}\n\n", ct);
            }
        }

        private static async Task WriteAsync(HttpResponse response, SteerResponse frame, CancellationToken ct)
        {
            await response.WriteAsync("data: ", ct);
            await JsonSerializer.SerializeAsync(response.Body, frame, SteerService.Json, ct);
            await response.WriteAsync("\n\n", ct);
            await response.Body.FlushAsync(ct);
        }
    }
}
