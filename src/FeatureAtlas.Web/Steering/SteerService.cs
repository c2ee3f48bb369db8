using System.Globalization;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FeatureAtlas.Core.Generation;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Steering;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;

namespace FeatureAtlas.Web.Steering;

/// <summary>
/// Steering for the site: checks a request (every error names its field), finds a saved run of the same settings,
/// or generates the default and steered texts together in one batch on the shared <see cref="ModelRuntime"/> and
/// saves the run. Frames of the texts so far go to the caller as tokens are chosen (for server-sent events).
/// </summary>
public sealed class SteerService(ModelRuntime models, ISteerStore store, Api.SourceIds sources)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Checks <paramref name="request"/> against the model and limits; <see cref="ArgumentException"/> (400) or <see cref="KeyNotFoundException"/> (404) naming what is wrong.</summary>
    public async Task<PreparedSteer> PrepareAsync(SteerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var prompt = request.Prompt;
        if (string.IsNullOrEmpty(prompt)) throw new ArgumentException("prompt is required.");
        if (prompt.Length > SteerLimits.MaxPromptCharacters) throw new ArgumentException($"prompt is {prompt.Length} characters long; at most {SteerLimits.MaxPromptCharacters} are allowed.");
        var modelName = Api.ApiInput.Required(request.ModelId, "modelId");
        var features = request.Features ?? [];
        var vectors = request.Vectors ?? [];
        // A saved vector named as Neuronpedia's client names it ({layer}-neuronpedia-resid-pre, index = its id) steers as one.
        if (features.Any(f => VectorSources.IsVectorSource(f?.Layer)))
        {
            vectors = [.. vectors, .. features.Select((f, i) => (f, i)).Where(x => VectorSources.IsVectorSource(x.f?.Layer))
                .Select(x => new SteerVectorRequest { VectorId = Api.ApiInput.Required(x.f.Index, $"features[{x.i}].index"), Strength = x.f.Strength })];
            features = [.. features.Where(f => !VectorSources.IsVectorSource(f?.Layer))];
        }
        if (features.Length + vectors.Length == 0) throw new ArgumentException("Give at least one entry in features or vectors to steer with.");
        if (features.Length + vectors.Length > SteerLimits.MaxFeatures) throw new ArgumentException($"features and vectors hold {features.Length + vectors.Length} entries; at most {SteerLimits.MaxFeatures} are allowed.");

        var temperature = Range(request.Temperature ?? 0.5, "temperature", 0, SteerLimits.MaxTemperature);
        var nTokens = request.NTokens ?? 32;
        if (nTokens is < 1 or > SteerLimits.MaxNewTokens) throw new ArgumentException($"n_tokens must be 1 to {SteerLimits.MaxNewTokens}; got {nTokens}.");
        var freqPenalty = Range(request.FreqPenalty ?? 0, "freq_penalty", -SteerLimits.MaxFreqPenalty, SteerLimits.MaxFreqPenalty);
        var seed = Range(request.Seed ?? 16, "seed", -SteerLimits.MaxSeed, SteerLimits.MaxSeed);
        if (seed != Math.Floor(seed)) throw new ArgumentException($"seed must be a whole number; got {seed.ToString(CultureInfo.InvariantCulture)}.");
        var multiplier = Range(request.StrengthMultiplier ?? 1, "strength_multiplier", 0, SteerLimits.MaxStrengthMultiplier);
        var (method, methodName) = Method(request.SteerMethod);
        var (positions, positionsName) = Positions(request.SteerPositions);

        var loaded = await models.GetAsync(modelName, cancellationToken).ConfigureAwait(false);
        var config = loaded.Session.Model.Config;
        var tokens = loaded.Tokenizer.Encode(prompt, prependBos: true);

        var normalisedFeatures = new SteerFeatureRequest[features.Length];
        var featureSteps = new (string Session, int Index, float Coefficient)[features.Length];
        for (var i = 0; i < features.Length; i++)
        {
            var f = features[i] ?? throw new ArgumentException($"features[{i}] is empty.");
            if (f.ModelId is { } m && m != modelName) throw new ArgumentException($"features[{i}].modelId is '{m}', but the request steers model '{modelName}'; every feature must be of that model.");
            var named = Api.ApiInput.Required(f.Layer, $"features[{i}].layer (the SAE's source id or name)");
            // Neuronpedia names the SAE by source id (8-res-jb); the folder name stays valid.
            var sae = loaded.Saes.Any(s => s.Name == named) ? named : await sources.ResolveAsync(modelName, named, cancellationToken).ConfigureAwait(false) ?? named;
            var index = Api.ApiInput.Required(f.Index, $"features[{i}].index");
            var strength = Range(Api.ApiInput.Required(f.Strength, $"features[{i}].strength"), $"features[{i}].strength", -SteerLimits.MaxStrength, SteerLimits.MaxStrength);
            var record = loaded.Saes.FirstOrDefault(s => s.Name == sae) ?? throw new KeyNotFoundException($"SAE '{sae}' of model '{modelName}' is not in the atlas or cannot run on this server (features[{i}].layer '{named}').");
            if (index < 0 || index >= record.DSae) throw new KeyNotFoundException($"Feature {index} is not in SAE '{sae}', which has {record.DSae} features (features[{i}].index).");
            normalisedFeatures[i] = new SteerFeatureRequest { ModelId = modelName, Layer = sae, Index = index, Strength = strength };
            featureSteps[i] = (loaded.SessionName(sae), index, (float)(strength * multiplier));
        }

        var normalisedVectors = new SteerVectorRequest[vectors.Length];
        var vectorSteps = new (string Hook, float[] Direction, float Coefficient)[vectors.Length];
        for (var i = 0; i < vectors.Length; i++)
        {
            var v = vectors[i] ?? throw new ArgumentException($"vectors[{i}] is empty.");
            string hook;
            double[] values;
            double strength;
            if (v.VectorId is { } id)
            {
                var saved = await store.GetSteerVectorAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new KeyNotFoundException($"There is no saved vector {id} (vectors[{i}].vectorId).");
                if (saved.Model != modelName) throw new ArgumentException($"Saved vector {id} is of model '{saved.Model}', not '{modelName}' (vectors[{i}].vectorId).");
                (hook, values, strength) = (saved.Hook, saved.Vector.Select(x => (double)x).ToArray(), v.Strength ?? saved.DefaultStrength);
            }
            else
            {
                hook = Api.ApiInput.Required(v.Hook, $"vectors[{i}].hook");
                values = v.Vector ?? throw new ArgumentException($"vectors[{i}].vector is required (or a saved vector's vectorId).");
                strength = Api.ApiInput.Required(v.Strength, $"vectors[{i}].strength");
            }
            strength = Range(strength, $"vectors[{i}].strength", -SteerLimits.MaxStrength, SteerLimits.MaxStrength);
            var direction = Direction(config, hook, values, $"vectors[{i}]", modelName);
            normalisedVectors[i] = new SteerVectorRequest { Hook = hook, Vector = values, Strength = strength, VectorId = v.VectorId };
            vectorSteps[i] = (hook, direction, (float)(strength * multiplier));
        }

        var options = new GenerationOptions
        {
            NewTokens = nTokens, Temperature = (float)temperature, FrequencyPenalty = (float)freqPenalty,
            Seed = unchecked((ulong)(long)seed), TopLogprobs = 5,
        };
        if (tokens.Length + nTokens - 1 > config.Positions)
        {
            throw new ArgumentException($"The prompt is {tokens.Length} tokens with BOS; with n_tokens {nTokens} that exceeds the model's {config.Positions} positions. Shorten the prompt or lower n_tokens.");
        }
        TextGenerator.Validate(config, tokens, options);

        var settings = new SteerRequest
        {
            Prompt = prompt, ModelId = modelName, Features = normalisedFeatures, Vectors = normalisedVectors, Temperature = temperature,
            NTokens = nTokens, FreqPenalty = freqPenalty, Seed = seed, StrengthMultiplier = multiplier, SteerMethod = methodName,
            SteerPositions = positionsName, SkipBos = request.SkipBos ?? false,
        };
        var settingsJson = JsonSerializer.Serialize(settings, Json);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"featureatlas-steer v{SteerLimits.EngineVersion}\n{settingsJson}")));
        var skipBos = settings.SkipBos ?? false;
        SteeringPlan Plan(LoadedModel m)
        {
            var steering = new List<SteeringVector>(featureSteps.Length + vectorSteps.Length);
            foreach (var (session, index, c) in featureSteps)
            {
                var sae = m.Session.Saes.First(s => s.Name == session);
                steering.Add(SteeringVector.ForFeature(sae, index, c));
            }
            foreach (var (hook, direction, c) in vectorSteps) steering.Add(new SteeringVector(hook, direction, c));
            return new SteeringPlan(steering, method, positions, skipBos);
        }
        return new PreparedSteer(modelName, tokens, options, Plan, settings, settingsJson, hash);
    }

    /// <summary>The saved run of these settings, if any.</summary>
    public Task<SteerRunRecord?> FindAsync(PreparedSteer prepared, CancellationToken cancellationToken) =>
        store.GetSteerRunAsync(prepared.Id, cancellationToken);

    /// <summary>
    /// Generates DEFAULT and STEERED together, calling <paramref name="onFrame"/> (on the model's worker thread; keep
    /// it short) with the texts so far after each step, saves the run and returns it. Cancelling stops the work
    /// between tokens, and nothing is saved.
    /// </summary>
    public async Task<SteerResponse> RunAsync(PreparedSteer prepared, string client, int? userId, Action<SteerResponse>? onFrame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        var (results, tokenizer) = await models.RunAsync(prepared.Model, client, (m, ct) =>
        {
            var plan = prepared.Plan(m);
            var so = new List<int>[] { new(prepared.Options.NewTokens), new(prepared.Options.NewTokens) };
            void OnToken(int sequence, GeneratedToken token)
            {
                so[sequence].Add(token.Token);
                if (onFrame is null || sequence != 1) return;
                onFrame(new SteerResponse(Text(m, prepared.PromptTokens, so[1]), Text(m, prepared.PromptTokens, so[0]), null, null, null, null) { Done = false });
            }
            return (TextGenerator.Generate(m.Session.Model, prepared.PromptTokens, prepared.Options, [SteeringPlan.None, plan], OnToken, ct), m);
        }, cancellationToken).ConfigureAwait(false);

        var response = new SteerResponse(
            Text(tokenizer, prepared.PromptTokens, results[1].TokenIds), Text(tokenizer, prepared.PromptTokens, results[0].TokenIds),
            Logprobs(tokenizer, results[1]), Logprobs(tokenizer, results[0]), prepared.Id, null);
        var saved = await store.SaveSteerRunAsync(new SteerRunRecord(
            prepared.Id, prepared.Hash, prepared.Model, SteerLimits.EngineVersion, prepared.SettingsJson,
            JsonSerializer.Serialize(response, Json), userId, DateTimeOffset.UtcNow), CancellationToken.None).ConfigureAwait(false);
        return saved.ResultJson == JsonSerializer.Serialize(response, Json) ? response : Result(saved);
    }

    /// <summary>The answer stored with a saved run.</summary>
    public static SteerResponse Result(SteerRunRecord run) =>
        JsonSerializer.Deserialize<SteerResponse>(run.ResultJson, Json) ?? throw new InvalidDataException($"Saved steer run {run.Id} has no result.");

    /// <summary>The settings stored with a saved run.</summary>
    public static SteerRequest Settings(SteerRunRecord run) =>
        JsonSerializer.Deserialize<SteerRequest>(run.SettingsJson, Json) ?? throw new InvalidDataException($"Saved steer run {run.Id} has no settings.");

    /// <summary>The prompt (without a leading BOS) and generated tokens as text.</summary>
    private static string Text(LoadedModel m, int[] prompt, IReadOnlyList<int> generated)
    {
        var start = prompt.Length > 0 && prompt[0] == Core.Tokenization.Gpt2Tokenizer.BosTokenId ? 1 : 0;
        var ids = new int[prompt.Length - start + generated.Count];
        prompt.AsSpan(start).CopyTo(ids);
        for (var i = 0; i < generated.Count; i++) ids[prompt.Length - start + i] = generated[i];
        return m.Tokenizer.Decode(ids);
    }

    private static LogprobDto[] Logprobs(LoadedModel m, GenerationResult result) => result.Tokens.Select(t => new LogprobDto(
        m.Tokenizer.Decode([t.Token]), Finite(t.Logprob), t.Top.Select(c => new TopLogprobDto(m.Tokenizer.Decode([c.Token]), Finite(c.Logprob))).ToArray())).ToArray();

    private static float? Finite(float x) => float.IsFinite(x) ? x : null;

    private static double Range(double value, string field, double min, double max)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"{field} must be a finite number; got {value.ToString(CultureInfo.InvariantCulture)}.");
        if (value < min || value > max) throw new ArgumentException($"{field} must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}; got {value.ToString(CultureInfo.InvariantCulture)}.");
        return value;
    }

    /// <summary>The vector scaled to unit norm after checking its hook and length against the model.</summary>
    public static float[] Direction(Core.Model.Gpt2Config config, string hook, double[] values, string field, string modelName)
    {
        int width;
        try
        {
            width = SaeInitializer.InputWidth(config, hook);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{field}.hook: {e.Message}");
        }
        if (values.Length != width)
        {
            throw new ArgumentException($"{field}.vector has {values.Length} numbers, but {hook} of model '{modelName}' takes d_model = {width}.");
        }
        var direction = new float[width];
        for (var j = 0; j < width; j++)
        {
            if (!double.IsFinite(values[j]) || Math.Abs(values[j]) > float.MaxValue) throw new ArgumentException($"{field}.vector[{j}] must be a finite number; got {values[j].ToString(CultureInfo.InvariantCulture)}.");
            direction[j] = (float)values[j];
        }
        var norm = TensorPrimitives.Norm(direction);
        if (!(norm > 0f) || !float.IsFinite(norm)) throw new ArgumentException($"{field}.vector has norm {norm}; it needs a direction to steer along.");
        TensorPrimitives.Divide(direction, norm, direction);
        return direction;
    }

    private static (SteeringMethod, string) Method(string? name) => (name ?? "SIMPLE_ADDITIVE").ToUpperInvariant() switch
    {
        "SIMPLE_ADDITIVE" => (SteeringMethod.SimpleAdditive, "SIMPLE_ADDITIVE"),
        "ORTHOGONAL_DECOMP" => (SteeringMethod.OrthogonalDecomp, "ORTHOGONAL_DECOMP"),
        "PROJECTION_CAP" => (SteeringMethod.ProjectionCap, "PROJECTION_CAP"),
        "CLAMP" => (SteeringMethod.Clamp, "CLAMP"),
        _ => throw new ArgumentException($"steer_method must be SIMPLE_ADDITIVE, ORTHOGONAL_DECOMP, PROJECTION_CAP or CLAMP; got '{name}'."),
    };

    private static (SteeringPositions, string) Positions(string? name) => (name ?? "ALL").ToUpperInvariant() switch
    {
        "ALL" => (SteeringPositions.All, "ALL"),
        "PROMPT" => (SteeringPositions.Prompt, "PROMPT"),
        "GENERATED" => (SteeringPositions.Generated, "GENERATED"),
        _ => throw new ArgumentException($"steer_positions must be ALL, PROMPT or GENERATED; got '{name}'."),
    };
}
