using System.Globalization;
using FeatureAtlas.Core.Graphs;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Core.Transcoders;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Inference;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// <c>POST /api/graph/steer</c>: steering on an attribution graph (<see cref="GraphSteering"/>) in Neuronpedia's graph
/// steer contract. Anyone may call it, under the inference rate limit, as <c>/api/steer</c>; the model is borrowed from
/// the shared <see cref="ModelRuntime"/>'s fair queue. The transcoders are the model's stored SAE records whose cfg.json
/// has hook_name_out <c>blocks.L.hook_mlp_out</c> (one per block, or the set <c>sourceSetName</c> names), loaded by the
/// runtime on first use. Prompts up to
/// <see cref="GraphOptions.MaxPromptTokens"/> tokens, BOS included, as graphs are built.
/// </summary>
public static class GraphSteerApi
{
    /// <summary>256 features as JSON fit many times over.</summary>
    private const long Body = 256 * 1024;

    private const double MaxDelta = 1e6;

    private const double MaxSeed = 1e8;

    /// <summary>GPT-2's BOS as text: Neuronpedia's graph prompts may start with it, and it is prepended anyway.</summary>
    private const string EndOfText = "<|endoftext|>";

    public static IEndpointRouteBuilder MapGraphSteerApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/graph/steer", Steer)
            .AsInference(Body)
            .Produces<GraphSteerResponse>()
            .WithSummary($"Graph steering: set or ablate transcoder features at positions with attention frozen, generate up to {GraphSteerOptions.MaxNewTokens} tokens, and return default and steered top logits per token (Neuronpedia's graph steer contract). Prompts up to {GraphOptions.MaxPromptTokens} tokens.");
        return api;
    }

    public static async Task<Ok<GraphSteerResponse>> Steer(GraphSteerRequest request, ModelRuntime models, AtlasWebOptions limits, HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var modelId = ApiInput.Required(request.ModelId, "modelId");
        var requested = request.Features ?? throw new ArgumentException("features is required (an empty list steers nothing and returns the default run twice).");
        if (requested.Length > GraphSteerOptions.MaxFeatures) throw new ArgumentException($"features has {requested.Length} entries; at most {GraphSteerOptions.MaxFeatures} are allowed.");
        var options = Options(request);
        var features = requested.Select(Feature).ToArray();

        var loaded = await models.GetAsync(modelId, cancellationToken);
        var text = request.Prompt;
        if (text is not null && text.StartsWith(EndOfText, StringComparison.Ordinal)) text = text[EndOfText.Length..];
        var tokens = loaded.Tokenize(text, limits.MaxTextCharacters, GraphOptions.MaxPromptTokens, "prompt");
        var positions = loaded.Session.Model.Config.Positions;
        if (tokens.Length + options.NewTokens > positions)
        {
            throw new ArgumentException($"The prompt's {tokens.Length} tokens and nTokens {options.NewTokens} exceed the model's {positions} positions.");
        }
        var encoders = Transcoders(loaded, request.SourceSetName, features.Select(f => f.Layer).Distinct());

        var result = await models.RunAsync(modelId, InferenceClient.Of(context),
            (m, ct) => GraphSteering.Run(m.Session.Model, encoders.ToDictionary(p => p.Key, p => m.Transcoder(p.Value).Encoder), tokens, features, options, ct), cancellationToken);

        var steeredOnly = request.SteeredOutputOnly ?? false;
        return TypedResults.Ok(new GraphSteerResponse(
            steeredOnly ? "" : Text(loaded, tokens, result.DefaultTokens),
            Text(loaded, tokens, result.SteeredTokens),
            steeredOnly ? [] : ByToken(loaded, tokens, result.DefaultTokens, result.DefaultTop),
            ByToken(loaded, tokens, result.SteeredTokens, result.SteeredTop)));
    }

    private static GraphSteerOptions Options(GraphSteerRequest request)
    {
        var nTokens = request.NTokens ?? 10;
        if (nTokens is < 1 or > GraphSteerOptions.MaxNewTokens) throw new ArgumentException($"nTokens must be 1 to {GraphSteerOptions.MaxNewTokens}; got {nTokens}.");
        var topK = request.TopK ?? 5;
        if (topK is < 0 or > GraphSteerOptions.MaxTopK) throw new ArgumentException($"topK must be 0 to {GraphSteerOptions.MaxTopK}; got {topK}.");
        var temperature = Range(request.Temperature ?? 0, "temperature", 0, 2);
        var penalty = Range(request.FreqPenalty ?? 0, "freqPenalty", -2, 2);
        var seed = Range(request.Seed ?? 16, "seed", -MaxSeed, MaxSeed);
        if (seed != Math.Floor(seed)) throw new ArgumentException($"seed must be a whole number; got {seed.ToString(CultureInfo.InvariantCulture)}.");
        return new GraphSteerOptions
        {
            NewTokens = nTokens, TopK = topK, FreezeAttention = request.FreezeAttention ?? true, Temperature = (float)temperature,
            FrequencyPenalty = (float)penalty, Seed = unchecked((ulong)(long)seed),
        };
    }

    private static GraphSteerFeature Feature(GraphSteerFeatureRequest? f, int i)
    {
        if (f is null) throw new ArgumentException($"features[{i}] is empty.");
        float? delta = f.Delta is { } d ? (float)Range(d, $"features[{i}].delta", -MaxDelta, MaxDelta) : null;
        return new GraphSteerFeature(
            ApiInput.Required(f.Layer, $"features[{i}].layer"), ApiInput.Required(f.Index, $"features[{i}].index"),
            ApiInput.Required(f.TokenActivePosition, $"features[{i}].token_active_position"), f.SteerPosition,
            ApiInput.Required(f.SteerGeneratedTokens, $"features[{i}].steer_generated_tokens"), delta, ApiInput.Required(f.Ablate, $"features[{i}].ablate"));
    }

    /// <summary>
    /// The stored transcoder of each block a feature names (in <paramref name="setName"/> when given), by name. None, or
    /// several without a set name, is an error naming the block.
    /// </summary>
    private static Dictionary<int, string> Transcoders(LoadedModel loaded, string? setName, IEnumerable<int> blocks)
    {
        var layers = loaded.Session.Model.Config.Layers;
        var result = new Dictionary<int, string>();
        foreach (var block in blocks)
        {
            if (block < 0 || block >= layers) continue;                    // GraphSteering names the feature and the range
            var candidates = loaded.TranscoderRecords.Where(s => Transcoder.HookNameOutOf(s.CfgJson) == HookNames.MlpOut(block)
                && (setName is null || s.SetName == setName)).ToArray();
            if (candidates.Length == 0)
            {
                throw new KeyNotFoundException(setName is null
                    ? $"Model '{loaded.Model.Name}' has no transcoder for block {block} (hook_name_out {HookNames.MlpOut(block)}) that can run on this server."
                    : $"Source set '{setName}' of model '{loaded.Model.Name}' has no transcoder for block {block} that can run on this server.");
            }
            if (candidates.Length > 1)
            {
                throw new ArgumentException($"Model '{loaded.Model.Name}' has {candidates.Length} transcoders for block {block} ({string.Join(", ", candidates.Select(c => c.Name))}); name their set in sourceSetName.");
            }
            result[block] = candidates[0].Name;
        }
        return result;
    }

    /// <summary>The prompt's text (BOS left out) followed by the generated text.</summary>
    private static string Text(LoadedModel m, int[] prompt, int[] generated)
    {
        var start = prompt.Length > 0 && prompt[0] == Gpt2Tokenizer.BosTokenId ? 1 : 0;
        return m.Tokenizer.Decode([.. prompt.AsSpan(start), .. generated]);
    }

    private static GraphSteerTokenLogits[] ByToken(LoadedModel m, int[] prompt, int[] generated, IReadOnlyList<Core.Generation.TokenChoice[]> top)
    {
        var sequence = prompt.Concat(generated).ToArray();
        var strings = m.TokenStrings(sequence);
        return strings.Select((token, i) => new GraphSteerTokenLogits(token, i < prompt.Length - 1
            ? []
            : top[i - (prompt.Length - 1)].Select(c => new GraphSteerTopLogit(m.Tokenizer.Decode([c.Token]), Math.Exp(c.Logprob))).ToArray())).ToArray();
    }

    private static double Range(double value, string field, double min, double max)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"{field} must be a finite number; got {value.ToString(CultureInfo.InvariantCulture)}.");
        if (value < min || value > max) throw new ArgumentException($"{field} must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}; got {value.ToString(CultureInfo.InvariantCulture)}.");
        return value;
    }
}
