using System.Globalization;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Statistics;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Rendering;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// Neuronpedia's <c>POST /api/feature/upload-batch</c>: dashboards computed elsewhere, up to 128 features per call, into a
/// source <c>{layer}-{set}</c> of a set the caller created (<c>source-set/new</c>). The source becomes an SAE without
/// weights the first time (browsed, not run); each activation record becomes an example window of its own corpus;
/// features uploaded again gain the new examples (<see cref="FeatureUpload"/>). Limits are Neuronpedia's: indexes up to
/// 10,000,000, 20 logits a side, 1,024 tokens an activation, explanations of 1 to 512 characters.
/// </summary>
public static class FeatureUploadApi
{
    public const int MaxFeatures = 128;
    public const int MaxIndex = 10_000_000;
    public const int MaxLogits = 20;
    public const int MaxTokens = 1024;
    public const int MaxExplanation = 512;

    /// <summary>128 features of a few dozen 128-token windows each fit with room to spare.</summary>
    private const long UploadBody = 16 << 20;

    /// <summary>The method of an uploaded explanation that names none.</summary>
    public const string DefaultMethod = "upload";

    public static IEndpointRouteBuilder MapFeatureUploadApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/feature/upload-batch", UploadBatch).AsWrite(UploadBody)
            .WithSummary("Upload up to 128 features computed elsewhere (density, top/bottom logits, explanations, activation records) into a source of a set you created.");
        return api;
    }

    public static async Task<Ok<MessageDto>> UploadBatch(FeatureUploadRequest request, HttpContext context, IModelStore models, IDashboardStore dashboards,
        IExplanationStore explanations, SourceIds sources, CorpusTokens tokens, CancellationToken cancellationToken)
    {
        var actor = ApiInput.Caller(context.User);
        var modelId = ApiInput.Required(request.ModelId, "modelId").Trim().ToLowerInvariant();
        var source = ApiInput.Required(request.Source, "source").Trim().ToLowerInvariant();
        var dash = source.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !int.TryParse(source[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var layer))
        {
            throw new ArgumentException($"source '{source}' is not {{layer}}-{{set}} (e.g. 5-my-set).");
        }
        var setName = SourceIds.SetOf(source);
        var features = Features(request.Features, tokens.IdsByDisplayString);

        var model = await models.GetModelAsync(modelId, cancellationToken) ?? throw new KeyNotFoundException($"Model '{modelId}' is not in the atlas.");
        if (model.Layers > 0 && layer >= model.Layers) throw new ArgumentException($"source '{source}': layer {layer} is outside model '{modelId}' ({model.Layers} layers).");
        var set = await models.GetSourceSetAsync(modelId, setName, cancellationToken)
            ?? throw new KeyNotFoundException($"Model '{modelId}' has no source set '{setName}'; create it first (POST /api/source-set/new).");
        if (set.CreatorId != actor.UserId) throw new ForbiddenException($"Only the creator of source set '{setName}' may upload features to it.");

        var sae = (await sources.ListAsync(modelId, cancellationToken)).FirstOrDefault(s => s.Id == source)?.Sae;
        if (sae is null)
        {
            sae = new SaeRecord(modelId, source, null, "unknown", layer, model.DModel, features.Max(f => f.Feature.Index) + 1, "upload", "{}", setName);
            await models.UpsertSaeAsync(sae, cancellationToken);
        }
        await dashboards.AddUploadedFeaturesAsync(modelId, sae.Name, [.. features.Select(f => f.Feature)], cancellationToken);
        var written = features.SelectMany(f => f.Explanations).ToArray();
        if (written.Length > 0) await explanations.SaveExplanationsAsync(modelId, sae.Name, written, cancellationToken);
        return TypedResults.Ok(new MessageDto($"{features.Count} features created."));

        IReadOnlyList<(UploadedFeature Feature, ExplanationRecord[] Explanations)> Features(IReadOnlyList<UploadedFeatureDto?>? given, IReadOnlyDictionary<string, int> ids)
        {
            if (given is null || given.Count is 0 or > MaxFeatures) throw new ArgumentException($"features must hold 1 to {MaxFeatures} features, found {given?.Count ?? 0}.");
            var now = DateTimeOffset.UtcNow;
            var seen = new HashSet<int>();
            return [.. given.Select((f, n) =>
            {
                var where = $"features[{n}]";
                if (f is null) throw new ArgumentException($"{where} is null.");
                var index = ApiInput.Required(f.Index, $"{where}.index");
                if (index is < 0 or > MaxIndex) throw new ArgumentException($"{where}.index {index} is outside [0, {MaxIndex}].");
                if (!seen.Add(index)) throw new ArgumentException($"{where}.index {index} appears twice; all indexes must be unique.");
                where = $"feature {index}";
                if (f.Density is { } density && !(density is >= 0 and <= 1)) throw new ArgumentException($"{where}: density {density} is outside [0, 1].");
                var activations = f.Activations is { Count: > 0 } a ? a : throw new ArgumentException($"{where}: activations must hold at least one activation record.");
                var logits = f.TopLogits is null && f.BottomLogits is null ? null : new LogitTable(
                    Logits(f.TopLogits, $"{where}.topLogits", out var topValues), topValues,
                    Logits(f.BottomLogits, $"{where}.bottomLogits", out var bottomValues), bottomValues, Histogram.Empty);
                var records = (f.Explanations ?? []).Select((e, k) => Explanation(e, index, $"{where}.explanations[{k}]", now)).ToArray();
                return (new UploadedFeature(index, f.Density, logits, [.. activations.Select((r, k) => Activation(r, $"{where}.activations[{k}]"))]), records);
            })];

            int[] Logits(IReadOnlyList<UploadedLogitDto?>? logits, string field, out float[] values)
            {
                logits ??= [];
                if (logits.Count > MaxLogits) throw new ArgumentException($"{field} holds {logits.Count} logits; at most {MaxLogits} are allowed.");
                values = [.. logits.Select((l, k) => Finite(l?.Value, $"{field}[{k}].value"))];
                return [.. logits.Select((l, k) => Token(l?.Token, $"{field}[{k}].token"))];
            }

            UploadedActivation Activation(UploadedActivationDto? record, string field)
            {
                if (record?.Tokens is not { Count: > 0 } tokenStrings || tokenStrings.Count > MaxTokens)
                {
                    throw new ArgumentException($"{field}.tokens must hold 1 to {MaxTokens} tokens, found {record?.Tokens?.Count ?? 0}.");
                }
                if (record.Values?.Count != tokenStrings.Count) throw new ArgumentException($"{field} has {tokenStrings.Count} tokens but {record.Values?.Count ?? 0} values; they must match.");
                if (record.QuantileFraction is { } fraction && !(fraction is >= 0 and <= 1)) throw new ArgumentException($"{field}.quantileFraction {fraction} is outside [0, 1].");
                float? Bound(double? value, string name) => value is null ? null : Finite(value, $"{field}.{name}");
                return new UploadedActivation(
                    [.. tokenStrings.Select((t, k) => Token(t, $"{field}.tokens[{k}]"))],
                    [.. record.Values.Select((v, k) => Finite(v, $"{field}.values[{k}]"))],
                    Bound(record.QuantileMin, "quantileMin"), Bound(record.QuantileMax, "quantileMax"), record.QuantileFraction);
            }

            int Token(string? token, string field) =>
                token is null ? throw new ArgumentException($"{field} is missing.")
                : ids.TryGetValue(token, out var id) ? id
                : throw new ArgumentException($"{field} \"{token}\" is not a token of the GPT-2 vocabulary.");
        }

        ExplanationRecord Explanation(UploadedExplanationDto? e, int index, string field, DateTimeOffset now)
        {
            var text = e?.Text?.Trim() ?? "";
            if (text.Length is 0 or > MaxExplanation) throw new ArgumentException($"{field}.text must be 1 to {MaxExplanation} characters, found {text.Length}.");
            var method = e!.MethodName is { Length: > 0 } m ? m.ToLowerInvariant() : DefaultMethod;
            if (method.Length > 64 || method.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-' or '.')))
            {
                throw new ArgumentException($"{field}.methodName '{method}' is not a method name (at most 64 lowercase letters, digits, _ - .).");
            }
            var explainer = e.ModelName is { Length: > 0 } name ? name.ToLowerInvariant() : null;
            if (explainer?.Length > 64) throw new ArgumentException($"{field}.modelName is {explainer.Length} characters long; at most 64 are allowed.");
            return new ExplanationRecord(index, text, method, explainer, null, now, actor.UserId);
        }
    }

    private static float Finite(double? value, string field) =>
        value is { } v && double.IsFinite(v) && Math.Abs(v) <= float.MaxValue ? (float)v : throw new ArgumentException($"{field} must be a finite number, found {value?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}.");
}
