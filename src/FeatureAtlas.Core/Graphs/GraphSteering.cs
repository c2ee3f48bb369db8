using FeatureAtlas.Core.Generation;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Transcoders;

namespace FeatureAtlas.Core.Graphs;

/// <summary>
/// Steering on an attribution graph, as Neuronpedia's graph server does it with circuit-tracer's
/// feature_intervention_generate: transcoder features are set to a value (their activation on the prompt plus a delta,
/// or 0 to ablate) at a prompt position or at every generated position, by adding (value − current activation) ×
/// W_dec[i] to the block's hook_mlp_out, where the current activation is the transcoder's encoding of that forward's
/// ln2.hook_normalized. The MLP and the transcoder's error stay as they are, so only the feature's own contribution
/// changes. With attention frozen, every block's pattern rows for prompt queries keep their values on the unsteered
/// prompt (generated queries attend as usual). The default continuation is the plain model; both runs draw the same
/// random numbers. Each token is one uncached forward over the whole sequence (hook_pattern is not available in a
/// cached run): prompts of at most 64 tokens and at most 64 new tokens keep that cheap for GPT-2 small.
/// Shapes: T prompt tokens, t the sequence so far, D d_model, H heads, S d_sae.
/// </summary>
public static class GraphSteering
{
    /// <summary>Steers with a graph's transcoders (one per block, as <see cref="GraphBuilder.Arrange"/> checks).</summary>
    public static GraphSteerResult Run(Gpt2Model model, IReadOnlyList<Transcoder> transcoders, ReadOnlySpan<int> prompt, IReadOnlyList<GraphSteerFeature> features,
        GraphSteerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var byBlock = GraphBuilder.Arrange(model.Config, transcoders);
        return Run(model, Enumerable.Range(0, byBlock.Length).ToDictionary(l => l, l => byBlock[l].Encoder), prompt, features, options, cancellationToken);
    }

    /// <summary>
    /// Steers with <paramref name="encoders"/>: the transcoder (its encoder and W_dec, as an SAE reading
    /// blocks.L.ln2.hook_normalized) of each block a feature names. Errors name the feature (features[i]) and field.
    /// </summary>
    public static GraphSteerResult Run(Gpt2Model model, IReadOnlyDictionary<int, SparseAutoencoder> encoders, ReadOnlySpan<int> prompt,
        IReadOnlyList<GraphSteerFeature> features, GraphSteerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(encoders);
        ArgumentNullException.ThrowIfNull(features);
        options ??= new GraphSteerOptions();
        options.Validate();
        var c = model.Config;
        var t = prompt.Length;
        if (t == 0) throw new ArgumentException("The prompt has no tokens.", nameof(prompt));
        if (t > GraphOptions.MaxPromptTokens) throw new ArgumentException($"The prompt has {t} tokens; graph steering allows at most {GraphOptions.MaxPromptTokens}.", nameof(prompt));
        if (t + options.NewTokens > c.Positions) throw new ArgumentException($"The prompt's {t} tokens and {options.NewTokens} new tokens exceed the model's n_positions {c.Positions}.", nameof(prompt));
        foreach (var token in prompt)
        {
            if ((uint)token >= (uint)c.Vocab) throw new ArgumentException($"Token id {token} is outside the vocabulary (0..{c.Vocab - 1}).", nameof(prompt));
        }
        if (features.Count > GraphSteerOptions.MaxFeatures) throw new ArgumentException($"{features.Count} features given; at most {GraphSteerOptions.MaxFeatures} may be steered at once.", nameof(features));
        for (var i = 0; i < features.Count; i++) Check(features[i], i, encoders, c, t);

        var tokens = prompt.ToArray();
        var layers = features.Select(f => f.Layer).Distinct().Order().ToArray();
        var cache = layers.Select(HookNames.Ln2Normalized).ToList();
        if (options.FreezeAttention) cache.AddRange(Enumerable.Range(0, c.Layers).Select(HookNames.Pattern));
        var clean = model.Run(tokens, 1, new RunOptions { Cache = cache, LogitsLastPositionOnly = true }).Cache;
        var steps = new Intervention[features.Count];
        for (var i = 0; i < features.Count; i++)
        {
            var f = features[i];
            var value = f.Ablate ? 0f : Activation(encoders[f.Layer], clean[HookNames.Ln2Normalized(f.Layer)].Data.AsSpan(f.TokenActivePosition * c.DModel, c.DModel), f.Index) + f.Delta!.Value;
            steps[i] = new Intervention(f.Layer, f.Index, f.SteerGeneratedTokens ? null : f.SteerPosition, value, encoders[f.Layer]);
        }
        var patterns = options.FreezeAttention ? Enumerable.Range(0, c.Layers).Select(l => clean[HookNames.Pattern(l)].Data).ToArray() : null;

        var (defaultTokens, defaultTop) = Generate(model, tokens, options, _ => new RunOptions { LogitsLastPositionOnly = true }, cancellationToken);
        var (steeredTokens, steeredTop) = Generate(model, tokens, options, length => Hooks(model.Config, t, length, patterns, steps), cancellationToken);
        return new GraphSteerResult(tokens, defaultTokens, steeredTokens, defaultTop, steeredTop);
    }

    private static void Check(GraphSteerFeature f, int i, IReadOnlyDictionary<int, SparseAutoencoder> encoders, Gpt2Config c, int t)
    {
        if (f.Layer < 0 || f.Layer >= c.Layers) throw new ArgumentException($"features[{i}].layer is {f.Layer}; the model has blocks 0..{c.Layers - 1}.");
        if (!encoders.TryGetValue(f.Layer, out var sae)) throw new ArgumentException($"features[{i}].layer: no transcoder replaces block {f.Layer}'s MLP.");
        if (sae.DIn != c.DModel) throw new ArgumentException($"features[{i}].layer: the transcoder of block {f.Layer} has d_in {sae.DIn}, but the model's d_model is {c.DModel}.");
        if (f.Index < 0 || f.Index >= sae.DSae) throw new ArgumentException($"features[{i}].index is {f.Index}; the transcoder of block {f.Layer} has features 0..{sae.DSae - 1}.");
        if (f.TokenActivePosition < 0 || f.TokenActivePosition >= t) throw new ArgumentException($"features[{i}].token_active_position is {f.TokenActivePosition}; the prompt has positions 0..{t - 1}.");
        if (f.Ablate == f.Delta.HasValue) throw new ArgumentException($"features[{i}]: give delta or ablate: true, not {(f.Ablate ? "both" : "neither")}.");
        if (f.Delta is { } delta && !float.IsFinite(delta)) throw new ArgumentException($"features[{i}].delta must be a finite number.");
        if (f.SteerGeneratedTokens == f.SteerPosition.HasValue)
        {
            throw new ArgumentException($"features[{i}]: give steer_position or steer_generated_tokens: true, not {(f.SteerGeneratedTokens ? "both" : "neither")}.");
        }
        if (f.SteerPosition is { } p && (p < 0 || p >= t)) throw new ArgumentException($"features[{i}].steer_position is {p}; the prompt has positions 0..{t - 1}.");
    }

    /// <summary>NewTokens tokens, and the top choices at the last prompt position and after each new token (NewTokens + 1 rows).</summary>
    private static (int[] Tokens, List<TokenChoice[]> Top) Generate(Gpt2Model model, int[] prompt, GraphSteerOptions options, Func<int, RunOptions> run,
        CancellationToken cancellationToken)
    {
        var sampler = new TokenSampler(new GenerationOptions
        {
            NewTokens = options.NewTokens, Temperature = options.Temperature, FrequencyPenalty = options.FrequencyPenalty, Seed = options.Seed, TopLogprobs = options.TopK,
        }, model.Config.Vocab);
        var sequence = new List<int>(prompt);
        var history = new List<GeneratedToken>();
        var top = new List<TokenChoice[]>();
        for (var step = 0; step <= options.NewTokens; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var logits = model.Run(sequence.ToArray(), 1, run(sequence.Count)).Logits!.Data;
            var next = sampler.Next(logits, step, history);
            top.Add([.. next.Top]);
            if (step == options.NewTokens) break;
            history.Add(next);
            sequence.Add(next.Token);
        }
        return ([.. sequence.Skip(prompt.Length)], top);
    }

    /// <summary>The hooks of one steered forward over <paramref name="length"/> tokens.</summary>
    private static RunOptions Hooks(Gpt2Config c, int promptLength, int length, float[][]? patterns, Intervention[] steps)
    {
        int d = c.DModel, heads = c.Heads;
        var hooks = new Dictionary<string, ActivationHook>(StringComparer.Ordinal);
        if (patterns is not null)
        {
            for (var l = 0; l < c.Layers; l++)
            {
                var clean = patterns[l];                                    // [1, H, T, T]
                hooks[HookNames.Pattern(l)] = (_, _, values) =>             // [1, H, t, t]
                {
                    for (var h = 0; h < heads; h++)
                    {
                        for (var q = 0; q < promptLength; q++)
                        {
                            var row = values.Slice((h * length + q) * length, length);
                            clean.AsSpan((h * promptLength + q) * promptLength, promptLength).CopyTo(row);
                            row[promptLength..].Clear();
                        }
                    }
                };
            }
        }
        foreach (var block in steps.GroupBy(s => s.Layer))
        {
            var xhat = new float[length * d];
            var inBlock = block.ToArray();
            hooks[HookNames.Ln2Normalized(block.Key)] = (_, _, values) => values.CopyTo(xhat);
            hooks[HookNames.MlpOut(block.Key)] = (_, _, values) =>
            {
                foreach (var s in inBlock)
                {
                    int first = s.Position ?? promptLength, end = s.Position is { } p ? p + 1 : length;
                    var wDec = s.Encoder.Parameters.WDec.AsSpan(s.Index * d, d);
                    for (var position = first; position < end; position++)
                    {
                        var current = Activation(s.Encoder, xhat.AsSpan(position * d, d), s.Index);
                        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(wDec, s.Value - current, values.Slice(position * d, d), values.Slice(position * d, d));
                    }
                }
            };
        }
        return new RunOptions { Hooks = hooks, LogitsLastPositionOnly = true };
    }

    private static float Activation(SparseAutoencoder encoder, ReadOnlySpan<float> row, int index)
    {
        Span<float> activation = stackalloc float[1];
        encoder.EncodeFeature(row, 1, index, activation);
        return activation[0];
    }

    private sealed record Intervention(int Layer, int Index, int? Position, float Value, SparseAutoencoder Encoder);
}
