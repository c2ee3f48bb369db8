using System.Text.Json.Serialization;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Web.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// <c>POST /api/attention</c> (issue 17 §5): every head's attention pattern on a prompt, as
/// <c>{"tokens", "layers": [{"layer", "heads": [H][T][T]}]}</c> (heads[h][destination][source]); <c>"layer"</c> in
/// the request keeps one layer. With <c>"source"</c> naming an SAE on attn.hook_z and <c>"index"</c> a feature,
/// <c>"dfa": {"targetIndex", "activation", "values", "maxValue"}</c>: the feature's direct attribution to each source
/// position where it is largest. Prompts are limited as live inference is, and to <see cref="MaxTokens"/> tokens
/// (the answer grows with T²); each client is rate-limited.
/// </summary>
public static class AttentionApi
{
    /// <summary>The longest prompt (BOS included) whose patterns are returned: 12 layers × 12 heads × 64² values is about 5 MB of JSON.</summary>
    public const int MaxTokens = 64;

    public static IEndpointRouteBuilder MapAttentionApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/attention", Attention)
            .AsInference(64 * 1024)
            .WithSummary("Attention patterns per layer and head for a prompt, and a hook_z feature's direct attribution to source positions.");
        return api;
    }

    public sealed record AttentionRequest(
        [property: JsonPropertyName("modelId")] string? ModelId,
        [property: JsonPropertyName("prompt")] string? Prompt,
        [property: JsonPropertyName("layer")] int? Layer = null,
        [property: JsonPropertyName("source")] string? Source = null,
        [property: JsonPropertyName("index")] int? Index = null);

    public sealed record AttentionLayerDto(int Layer, float[][][] Heads);

    public sealed record DfaDto(int TargetIndex, float Activation, float[] Values, float MaxValue);

    public sealed record AttentionResponse(string[] Tokens, AttentionLayerDto[] Layers, DfaDto? Dfa);

    public static async Task<Ok<AttentionResponse>> Attention(AttentionRequest request, ModelRuntime models, AtlasWebOptions limits, HttpContext context, CancellationToken cancellationToken)
    {
        var model = ApiInput.Required(request.ModelId, "modelId");
        if ((request.Source is null) != (request.Index is null)) throw new ArgumentException("Give source and index together (a feature of an SAE on attn.hook_z).");
        var runtime = await models.GetAsync(model, cancellationToken);
        var layers = runtime.Session.Model.Config.Layers;
        if (request.Layer is { } only && (only < 0 || only >= layers)) throw new ArgumentException($"layer must be 0 to {layers - 1}; got {only}.");
        var tokens = runtime.Tokenize(request.Prompt, limits);
        if (tokens.Length > MaxTokens) throw new ArgumentException($"The prompt is {tokens.Length} tokens long; attention patterns are given for at most {MaxTokens}.");
        var session = request.Source is null ? null : runtime.SessionName(request.Source);
        var (patterns, dfa) = await models.RunAsync(model, InferenceClient.Of(context), (m, _) =>
        {
            var all = AttentionPatterns.Run(m.Session.Model, tokens);
            var attribution = session is null ? null : AttentionPatterns.Dfa(m.Session.Model, m.Session.Saes.First(s => s.Name == session), tokens, request.Index!.Value);
            return (all, attribution);
        }, cancellationToken);
        var chosen = Enumerable.Range(0, patterns.Length).Where(l => request.Layer is null || l == request.Layer).Select(l => new AttentionLayerDto(l, patterns[l])).ToArray();
        return TypedResults.Ok(new AttentionResponse(runtime.TokenStrings(tokens), chosen,
            dfa is null ? null : new DfaDto(dfa.TargetIndex, dfa.Activation, dfa.Values, dfa.MaxValue)));
    }
}
