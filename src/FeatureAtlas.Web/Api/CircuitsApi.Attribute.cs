using System.Text.Json;
using System.Text.Json.Serialization;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Inference;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FeatureAtlas.Web.Api;

public static partial class CircuitsApi
{
    /// <summary>The tolerance of <c>sums_to_logit_diff</c>, relative to the logit difference (at least 1).</summary>
    public const double SumTolerance = 1e-4;

    public static async Task<IResult> Attribute(AttributeRequest request, ModelRuntime models, AtlasWebOptions limits, HttpContext context, CancellationToken cancellationToken)
    {
        var exactTop = request.ExactTop ?? LogitAttribution.DefaultExactTop;
        if (exactTop is < 0 or > CircuitLimits.MaxExactTop) throw new ArgumentException($"exact_top must be 0 to {CircuitLimits.MaxExactTop}; got {exactTop}.");
        var input = await CircuitsInput.ReadAsync(models, limits, request.ModelId, new(request.Prompt, request.TokenIds), CircuitLimits.MaxAttributeTokens,
            request.Target, request.Distractor, request.Position, targetRequired: true, cancellationToken: cancellationToken);
        var (modelId, loaded, tokens, _, distractor, position) = input;
        var target = input.Target!.Value;
        var stored = request.Saes is { Length: > 0 } chosen ? chosen.Distinct(StringComparer.Ordinal).ToArray() : loaded.Saes.Select(s => s.Name).ToArray();
        var sessionNames = stored.Select(loaded.SessionName).ToHashSet(StringComparer.Ordinal);
        var layers = loaded.Saes.ToDictionary(s => s.Name, s => s.Layer, StringComparer.Ordinal);
        AttributeResponse Response(LogitAttributionResult result) => new(
            modelId, loaded.TokenStrings(tokens), tokens, result.Position, CircuitsInput.Describe(loaded, target),
            distractor is { } d ? CircuitsInput.Describe(loaded, d) : null, result.LogitDiff, result.ComponentSum, SumsToLogitDiff(result),
            result.Components.Select(c => new AttributionComponentDto(c.Name, c.Direct, c.ActTimesGrad, c.Exact, c.BySource)).ToArray(),
            result.Features.Select(f =>
            {
                var sae = loaded.StoredName(f.Sae);
                return new FeatureAttributionDto(sae, f.Index, layers[sae], f.Activation, f.Direct, f.ActTimesGrad, f.Exact);
            }).ToArray(),
            result.SaeErrors.Select(e => new SaeErrorDto(loaded.StoredName(e.Sae), e.Direct, e.ActTimesGrad)).ToArray());

        var estimates = new TaskCompletionSource<LogitAttributionResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var work = models.RunAsync(modelId, InferenceClient.Of(context), (m, _) =>
        {
            var saes = m.Session.Saes.Where(s => sessionNames.Contains(s.Name)).ToArray();
            return LogitAttribution.Explain(m.Session.Model, saes, tokens, target, distractor, position, exactTop,
                request.Stream ? r => estimates.TrySetResult(r) : null);
        }, cancellationToken);
        if (!request.Stream) return TypedResults.Ok(Response(await work));

        // Until the first frame is written, a failure is still a ProblemDetails answer.
        if (await Task.WhenAny(estimates.Task, work) != estimates.Task) await work;
        var json = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        context.Response.ContentType = "application/x-ndjson";
        async Task Frame(string type, AttributeResponse? result, string? detail = null)
        {
            var frame = new AttributeFrame(type, result, detail);
            await JsonSerializer.SerializeAsync(context.Response.Body, frame, json, cancellationToken);
            await context.Response.Body.WriteAsync("\n"u8.ToArray(), cancellationToken);
            await context.Response.Body.FlushAsync(cancellationToken);
        }
        if (estimates.Task.IsCompleted) await Frame("estimates", Response(await estimates.Task));
        try
        {
            await Frame("done", Response(await work));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Frame("error", null, e.Message);
        }
        return Results.Empty;
    }

    private static bool SumsToLogitDiff(LogitAttributionResult result) =>
        Math.Abs(result.ComponentSum - result.LogitDiff) <= SumTolerance * Math.Max(1, Math.Abs(result.LogitDiff));

    /// <summary>One NDJSON frame of a streamed <c>POST /api/attribute</c>.</summary>
    private sealed record AttributeFrame(
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("result"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AttributeResponse? Result,
        [property: JsonPropertyName("detail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail);
}
