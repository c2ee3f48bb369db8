using System.Text.Json;
using System.Text.Json.Serialization;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Web.Inference;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// Circuit tools over HTTP (issue 17): <c>/api/lens</c> here, <c>/api/attribute</c>, <c>/api/patch</c> and
/// <c>/api/ablate</c> in the partials beside this file, all borrowing the model from the runtime's fair queue under the
/// inference rate limit. <c>POST /api/lens</c> streams the logit lens (<c>"type": "LOGIT_LENS"</c>, the default) or the
/// tuned lens stored beside the model (<c>"TUNED_LENS"</c>; 404 when it has none) as NDJSON frames shaped like
/// Neuronpedia's lens: <c>{"type": "meta", "types", "layers_by_type", "top_n", "prompt_len"}</c>,
/// <c>{"type": "prompt", "tokens", "token_ids"}</c>, one <c>{"type": "token", "position", "token", "id",
/// "is_generated": false, "results": [{"type": TYPE, "top_tokens": [layer][n], "top_ids", "top_probs"}]}</c>
/// per position, then <c>{"type": "done", "seq_len", "vocab_size"}</c>. Prompts are limited as live inference is
/// (characters and tokens, <see cref="AtlasWebOptions"/>); each client is rate-limited. Everything is computed
/// before the first frame, so an error is still a ProblemDetails answer.
/// </summary>
public static partial class CircuitsApi
{
    public static IEndpointRouteBuilder MapCircuitsApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("").WithInferenceLimits(64 * 1024);
        group.MapPost("/lens", Lens)
            .WithSummary("Logit or tuned lens (type LOGIT_LENS | TUNED_LENS): each layer's residual stream read out through ln_final and the unembedding, top N tokens per position (NDJSON frames).");
        group.MapPost("/attribute", Attribute)
            .Produces<Contracts.AttributeResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary($"Why this token and not that one: direct effects of every component and active SAE feature (summing to the logit difference), act × grad, and exact total effects by ablation. Prompts up to {CircuitLimits.MaxAttributeTokens} tokens.");
        group.MapPost("/patch", Patch)
            .Produces<Contracts.PatchResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary($"Activation patching of a clean prompt into a corrupted one of equal length: normalised grids per layer × position and per head. Prompts up to {CircuitLimits.MaxPatchTokens} tokens.");
        group.MapPost("/ablate", Ablate)
            .Produces<Contracts.AblateResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary($"Feature ablation and clamping: set SAE features to zero or a value at chosen positions (error term kept); the next-token distribution before and after. Prompts up to {CircuitLimits.MaxAblateTokens} tokens.");
        return api;
    }

    public sealed record LensRequest(
        [property: JsonPropertyName("modelId")] string? ModelId,
        [property: JsonPropertyName("prompt")] string? Prompt,
        [property: JsonPropertyName("top_n")] int? TopN,
        [property: JsonPropertyName("type")] string? Type = null,
        [property: JsonPropertyName("token_ids")] int[]? TokenIds = null);

    /// <summary>The lens types of <c>POST /api/lens</c>'s <c>type</c> field (Neuronpedia's names).</summary>
    public const string LogitLensType = "LOGIT_LENS", TunedLensType = "TUNED_LENS";

    public static async Task Lens(LensRequest request, ModelRuntime models, AtlasWebOptions limits, HttpContext context, CancellationToken cancellationToken)
    {
        var top = CircuitsInput.TopN(request.TopN, 10);
        var type = request.Type ?? LogitLensType;
        if (type is not (LogitLensType or TunedLensType)) throw new ArgumentException($"type must be {LogitLensType} or {TunedLensType}; got '{type}'.");
        var input = await CircuitsInput.ReadAsync(models, limits, request.ModelId, new(request.Prompt, request.TokenIds), limits.MaxTextTokens, cancellationToken: cancellationToken);
        var (runtime, tokens) = (input.Model, input.Tokens);
        var tuned = type == TunedLensType ? runtime.GetTunedLens() : null;
        var layers = await models.RunAsync(input.ModelId, InferenceClient.Of(context), (m, _) => LogitLens.Run(m.Session.Model, tokens, top, tuned), cancellationToken);
        var strings = runtime.TokenStrings(tokens);

        context.Response.ContentType = "application/x-ndjson";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        async Task Frame(Action<Utf8JsonWriter> body)
        {
            writer.Reset();
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
            await writer.FlushAsync(cancellationToken);
            await context.Response.Body.WriteAsync("\n"u8.ToArray(), cancellationToken);
        }

        await Frame(w =>
        {
            w.WriteString("type", "meta");
            w.WriteStartArray("types");
            w.WriteStringValue(type);
            w.WriteEndArray();
            w.WriteStartObject("layers_by_type");
            w.WriteStartArray(type);
            foreach (var layer in layers) w.WriteNumberValue(layer.Layer);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteNumber("top_n", top);
            w.WriteNumber("prompt_len", tokens.Length);
        });
        await Frame(w =>
        {
            w.WriteString("type", "prompt");
            w.WriteStartArray("tokens");
            foreach (var s in strings) w.WriteStringValue(s);
            w.WriteEndArray();
            w.WriteStartArray("token_ids");
            foreach (var id in tokens) w.WriteNumberValue(id);
            w.WriteEndArray();
        });
        for (var p = 0; p < tokens.Length; p++)
        {
            var position = p;
            await Frame(w =>
            {
                w.WriteString("type", "token");
                w.WriteNumber("position", position);
                w.WriteString("token", strings[position]);
                w.WriteNumber("id", tokens[position]);
                w.WriteBoolean("is_generated", false);
                w.WriteStartArray("results");
                w.WriteStartObject();
                w.WriteString("type", type);
                Grid(w, "top_tokens", layers, position, e => w.WriteStringValue(runtime.TokenStrings([e.TokenId])[0]));
                Grid(w, "top_ids", layers, position, e => w.WriteNumberValue(e.TokenId));
                Grid(w, "top_probs", layers, position, e => w.WriteNumberValue(e.Prob));
                w.WriteEndObject();
                w.WriteEndArray();
            });
        }
        await Frame(w =>
        {
            w.WriteString("type", "done");
            w.WriteNumber("seq_len", tokens.Length);
            w.WriteNumber("vocab_size", runtime.Session.Model.Config.Vocab);
        });
    }

    private static void Grid(Utf8JsonWriter w, string name, IReadOnlyList<LensLayer> layers, int position, Action<LensToken> value)
    {
        w.WriteStartArray(name);
        foreach (var layer in layers)
        {
            w.WriteStartArray();
            foreach (var entry in layer.Top[position]) value(entry);
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }
}
