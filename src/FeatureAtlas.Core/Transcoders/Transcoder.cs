using System.Text.Json;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Transcoders;

/// <summary>
/// A per-layer transcoder in SAELens format: a folder with <c>cfg.json</c> (the input hook as <c>hook_name</c>, e.g.
/// <c>blocks.L.ln2.hook_normalized</c>, and the output hook as <c>hook_name_out</c>, e.g. <c>blocks.L.hook_mlp_out</c>)
/// and <c>sae_weights.safetensors</c>. It reads x at the input hook and predicts the output hook:
/// f = σ(x·W_enc + b_enc) (no b_dec subtracted from the input: SAELens's Transcoder.process_sae_in), and
/// out = f·W_dec + b_dec (+ x·W_skipᵀ for a skip transcoder). σ is ReLU (<c>transcoder</c>, <c>skip_transcoder</c>),
/// JumpReLU (<c>jumprelu_transcoder</c>) or TopK (<c>topk_transcoder</c>, or <c>topk</c> with an output hook).
/// Shapes: I d_in, S d_sae, O d_out. The encoder is an <see cref="SparseAutoencoder"/>, so every SAELens encode
/// rule (TopK ties, JumpReLU's strict threshold) is the SAEs' own.
/// </summary>
public sealed class Transcoder
{
    private Transcoder(SparseAutoencoder encoder, string hookOut, float[]? wSkip, string? directory)
    {
        Encoder = encoder;
        HookNameOut = hookOut;
        WSkip = wSkip;
        Directory = directory;
    }

    /// <summary>Encoder and decoder: W_enc [I, S], b_enc, threshold, W_dec [S, O], b_dec [O] in SAELens names.</summary>
    public SparseAutoencoder Encoder { get; }

    /// <summary>W_skip [O, I] of a skip transcoder (out += x·W_skipᵀ), else null.</summary>
    public float[]? WSkip { get; }

    public string? Directory { get; }

    public string Name => Encoder.Name;

    public string HookNameIn => Encoder.HookName;

    public string HookNameOut { get; }

    public int DIn => Encoder.DIn;

    public int DSae => Encoder.DSae;

    public SaeArchitecture Architecture => Encoder.Config.Architecture;

    /// <summary>The block whose MLP this transcoder replaces (the layer of its output hook).</summary>
    public int Layer => ParseLayer(HookNameOut);

    /// <summary>Loads a transcoder folder; a bad field or tensor names the file, the field and what was expected.</summary>
    public static Transcoder Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"Transcoder folder '{directory}' does not exist.");
        var cfgPath = Path.Combine(directory, "cfg.json");
        if (!File.Exists(cfgPath)) throw new FileNotFoundException($"Transcoder folder '{directory}' has no cfg.json.", cfgPath);
        var (config, hookOut, skip) = ParseConfig(SaeConfig.ReadObject(cfgPath), cfgPath);
        var weightsPath = Path.Combine(directory, "sae_weights.safetensors");
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"Transcoder folder '{directory}' has no sae_weights.safetensors.", weightsPath);
        using var file = SafetensorsFile.Open(weightsPath);
        var parameters = SaeParameters.Read(file, config);
        float[]? wSkip = null;
        if (file.Contains("W_skip"))
        {
            var shape = file.Get("W_skip").Shape;
            if (shape.Length != 2 || shape[0] != config.DIn || shape[1] != config.DIn)
            {
                throw new InvalidDataException($"{weightsPath}: tensor 'W_skip' has shape [{string.Join(", ", shape)}], expected [d_out, d_in] = [{config.DIn}, {config.DIn}].");
            }
            wSkip = file.ReadFloat32("W_skip");
        }
        else if (skip)
        {
            throw new InvalidDataException($"{weightsPath}: tensor 'W_skip' is missing; architecture skip_transcoder needs it.");
        }
        return new Transcoder(SparseAutoencoder.FromParameters(config, parameters, directory), hookOut, wSkip, directory);
    }

    /// <summary>A transcoder from parameters in memory (tests, training).</summary>
    public static Transcoder FromParameters(SaeConfig config, SaeParameters parameters, string hookNameOut, float[]? wSkip = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrEmpty(hookNameOut);
        if (config.ApplyBDecToInput) throw new ArgumentException("A transcoder's config must have apply_b_dec_to_input false (b_dec lives in the output space).", nameof(config));
        if (wSkip is not null && wSkip.Length != config.DIn * config.DIn) throw new ArgumentException($"W_skip needs [{config.DIn}, {config.DIn}] elements, has {wSkip.Length}.", nameof(wSkip));
        return new Transcoder(SparseAutoencoder.FromParameters(config, parameters, null, name), hookNameOut, wSkip, null);
    }

    /// <summary>
    /// The features of an SAE folder or of a transcoder folder (its encoder and decoder, reading hook_name and writing
    /// hook_name_out): what dashboards, explanations and maps need of either.
    /// </summary>
    public static SparseAutoencoder LoadFeatures(string directory)
    {
        var cfgPath = Path.Combine(directory, "cfg.json");
        return File.Exists(cfgPath) && HookNameOutOf(File.ReadAllText(cfgPath)) is not null ? Load(directory).Encoder : SparseAutoencoder.Load(directory);
    }

    /// <summary>
    /// The config of the features in an SAE or transcoder folder, as <see cref="LoadFeatures"/> reads it but without the
    /// weights: width, hook and architecture from cfg.json alone.
    /// </summary>
    public static SaeConfig LoadFeaturesConfig(string directory)
    {
        var cfgPath = Path.Combine(directory, "cfg.json");
        if (!File.Exists(cfgPath)) throw new FileNotFoundException($"SAE folder '{directory}' has no cfg.json.", cfgPath);
        var root = SaeConfig.ReadObject(cfgPath);
        return HookNameOutOf(root) is null ? SaeConfig.Parse(root, cfgPath) : ParseConfig(root, cfgPath).Config;
    }

    /// <summary>The hook_name_out of a cfg.json's text (top level or under metadata), or null when it has none: an SAE, not a transcoder.</summary>
    public static string? HookNameOutOf(string cfgJson)
    {
        try
        {
            return JsonNode.Parse(cfgJson) is JsonObject cfg ? HookNameOutOf(cfg) : null;
        }
        catch (JsonException)
        {
            return null;                                              // not JSON: no transcoder
        }
    }

    /// <summary>The hook_name_out of a parsed cfg.json (top level or under metadata), or null when it has none.</summary>
    public static string? HookNameOutOf(JsonObject cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        return (cfg["hook_name_out"] ?? (cfg["metadata"] as JsonObject)?["hook_name_out"]) is JsonValue v && v.TryGetValue<string>(out var hook) ? hook : null;
    }

    /// <summary>
    /// Reads a transcoder cfg.json: the SAE fields as SAELens writes them plus <c>hook_name_out</c> and <c>d_out</c>
    /// (top level or under <c>metadata</c>). Returns the encoder's config (apply_b_dec_to_input false), the output
    /// hook and whether the architecture promises a skip connection.
    /// </summary>
    public static (SaeConfig Config, string HookNameOut, bool Skip) ParseConfig(JsonObject root, string source)
    {
        ArgumentNullException.ThrowIfNull(root);
        var metadata = root["metadata"] as JsonObject;
        var hookOut = ReadString(root, "hook_name_out", source) ?? (metadata is null ? null : ReadString(metadata, "hook_name_out", source + " metadata"))
            ?? throw new InvalidDataException($"{source}: missing field hook_name_out (the output hook, e.g. blocks.0.hook_mlp_out); without it this is an SAE, not a transcoder.");
        var architecture = ReadString(root, "architecture", source) ?? "transcoder";
        var (saeArchitecture, skip) = architecture switch
        {
            "transcoder" or "standard" => ("standard", false),
            "skip_transcoder" => ("standard", true),
            "jumprelu_transcoder" or "jumprelu" => ("jumprelu", false),
            "topk_transcoder" or "topk" => ("topk", false),
            _ => throw new InvalidDataException($"{source}: architecture: expected transcoder, skip_transcoder, jumprelu_transcoder or topk_transcoder, found \"{architecture}\"."),
        };
        var copy = (JsonObject)root.DeepClone();
        copy["architecture"] = saeArchitecture;
        if (copy["apply_b_dec_to_input"] is JsonValue applied && applied.TryGetValue<bool>(out var apply) && apply)
        {
            throw new InvalidDataException($"{source}: apply_b_dec_to_input is true, but a transcoder's b_dec is in the output space; expected false.");
        }
        copy["apply_b_dec_to_input"] = false;
        var config = SaeConfig.Parse(copy, source);
        if (root["d_out"] is { } dOutNode)
        {
            if (dOutNode is not JsonValue v || !v.TryGetValue<int>(out var dOut)) throw new InvalidDataException($"{source}: field d_out should be an integer, found {dOutNode.ToJsonString()}.");
            if (dOut != config.DIn)
            {
                throw new InvalidDataException($"{source}: d_out is {dOut} but d_in is {config.DIn}; a GPT-2 MLP transcoder reads and writes d_model, so they must be equal.");
            }
        }
        if (config.NormalizeActivations != ActivationNormalization.None)
        {
            throw new InvalidDataException($"{source}: normalize_activations must be none for a transcoder, found {config.NormalizeActivations}.");
        }
        if (config.RescaleActsByDecoderNorm) throw new InvalidDataException($"{source}: rescale_acts_by_decoder_norm true is not supported for transcoders; expected false.");
        if (config.ReshapeHookZ) throw new InvalidDataException($"{source}: hook_name {config.HookName} is an attention hook_z; a transcoder reads the MLP input.");
        // Keep the transcoder's own cfg.json (its architecture name, hook_name_out) for Save and the store.
        return (config with { Json = (JsonObject)root.DeepClone() }, hookOut, skip);
    }

    /// <summary>
    /// Checks that this transcoder replaces an MLP of <paramref name="model"/>: input hook
    /// <c>blocks.L.ln2.hook_normalized</c>, output hook <c>blocks.L.hook_mlp_out</c> of the same block L &lt; n_layers,
    /// d_in = d_model. The error names the transcoder and the field.
    /// </summary>
    public void CheckFits(Gpt2Config model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var inLayer = ParseLayer(HookNameIn);
        if (inLayer < 0 || HookNameIn != HookNames.Ln2Normalized(inLayer))
        {
            throw new InvalidDataException($"Transcoder '{Name}': hook_name is {HookNameIn}; expected blocks.L.ln2.hook_normalized (the MLP input).");
        }
        var outLayer = ParseLayer(HookNameOut);
        if (outLayer < 0 || HookNameOut != HookNames.MlpOut(outLayer))
        {
            throw new InvalidDataException($"Transcoder '{Name}': hook_name_out is {HookNameOut}; expected blocks.L.hook_mlp_out (the MLP output).");
        }
        if (inLayer != outLayer)
        {
            throw new InvalidDataException($"Transcoder '{Name}': hook_name reads block {inLayer} but hook_name_out writes block {outLayer}; a per-layer transcoder replaces one MLP.");
        }
        if (outLayer >= model.Layers) throw new InvalidDataException($"Transcoder '{Name}': hook_name_out {HookNameOut} names block {outLayer}, but the model has {model.Layers} blocks (0..{model.Layers - 1}).");
        if (DIn != model.DModel) throw new InvalidDataException($"Transcoder '{Name}': d_in is {DIn}, but this model's d_model is {model.DModel}.");
    }

    /// <summary>
    /// The transcoder's prediction of the output hook for x [N, I] (f·W_dec + b_dec + x·W_skipᵀ), and the
    /// activations f [N, S] into <paramref name="features"/>.
    /// </summary>
    public void Forward(ReadOnlySpan<float> x, int rows, Span<float> features, Span<float> output)
    {
        Encoder.Encode(x, rows, features);
        Encoder.Decode(features, rows, output);
        if (WSkip is null) return;
        var d = DIn;
        for (var r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * d, d);
            var o = output.Slice(r * d, d);
            for (var i = 0; i < d; i++) o[i] += System.Numerics.Tensors.TensorPrimitives.Dot(WSkip.AsSpan(i * d, d), xr);
        }
    }

    /// <summary>Writes the transcoder as an SAELens folder (cfg.json + sae_weights.safetensors, W_skip included), each file atomically.</summary>
    public void Save(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var p = Encoder.Parameters;
        var entries = new List<SafetensorsWriter.Entry>
        {
            new("W_enc", [DIn, DSae], p.WEnc),
            new("b_enc", [DSae], p.BEnc!),
            new("W_dec", [DSae, DIn], p.WDec),
            new("b_dec", [DIn], p.BDec),
        };
        if (p.Threshold is not null) entries.Add(new SafetensorsWriter.Entry("threshold", [DSae], p.Threshold));
        if (WSkip is not null) entries.Add(new SafetensorsWriter.Entry("W_skip", [DIn, DIn], WSkip));
        SafetensorsWriter.Write(Path.Combine(directory, "sae_weights.safetensors"), entries);
        var cfgPath = Path.Combine(directory, "cfg.json");
        File.WriteAllText(cfgPath + ".tmp", Encoder.Config.Json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(cfgPath + ".tmp", cfgPath, overwrite: true);
    }

    /// <summary>
    /// The cfg.json of a transcoder for block <paramref name="layer"/> of a model (SAELens 6 layout: architecture,
    /// d_in, d_sae, d_out, hook_name_out, hook_layer_out, metadata.hook_name).
    /// </summary>
    public static JsonObject ConfigJson(Gpt2Config model, string modelName, int layer, int dSae, SaeArchitecture architecture, bool skip, int k)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (skip && architecture != SaeArchitecture.Standard) throw new ArgumentException("A skip connection is available for standard (ReLU) transcoders only, as SAELens's skip_transcoder.", nameof(skip));
        var json = new JsonObject
        {
            ["architecture"] = architecture switch
            {
                SaeArchitecture.Standard => skip ? "skip_transcoder" : "transcoder",
                SaeArchitecture.JumpRelu => "jumprelu_transcoder",
                SaeArchitecture.TopK => "topk_transcoder",
                _ => throw new ArgumentException($"Transcoders are standard, JumpReLU or TopK, not {architecture}.", nameof(architecture)),
            },
            ["d_in"] = model.DModel,
            ["d_sae"] = dSae,
            ["d_out"] = model.DModel,
            ["dtype"] = "float32",
            ["device"] = "cpu",
            ["apply_b_dec_to_input"] = false,
            ["normalize_activations"] = "none",
            ["hook_name_out"] = HookNames.MlpOut(layer),
            ["hook_layer_out"] = layer,
            ["metadata"] = new JsonObject
            {
                ["model_name"] = modelName,
                ["hook_name"] = HookNames.Ln2Normalized(layer),
                ["context_size"] = Math.Min(128, model.Positions),
                ["prepend_bos"] = true,
                ["sae_lens_version"] = "6.0.0",
            },
        };
        if (architecture == SaeArchitecture.TopK)
        {
            json["k"] = k;
            json["rescale_acts_by_decoder_norm"] = false;
        }
        return json;
    }

    /// <summary>
    /// A randomly initialised transcoder for block <paramref name="layer"/>, initialised as SAELens initialises SAEs
    /// (<see cref="SaeInitializer"/>: unit-norm random decoder rows, W_enc = W_decᵀ, zero biases; W_skip zero).
    /// </summary>
    public static Transcoder Create(Gpt2Config model, string modelName, int layer, int dSae, SaeArchitecture architecture, ulong seed, int k = 32, bool skip = false, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, model.Layers);
        var json = ConfigJson(model, modelName, layer, dSae, architecture, skip, k);
        var (config, hookOut, _) = ParseConfig(json, "transcoder options");
        var sae = SaeInitializer.Create(model, modelName, HookNames.Ln2Normalized(layer), dSae, architecture, seed, k);
        return FromParameters(config, sae.Parameters, hookOut, skip ? new float[model.DModel * model.DModel] : null, name);
    }

    private static int ParseLayer(string hook) =>
        hook.StartsWith("blocks.", StringComparison.Ordinal) && hook.Split('.') is { Length: > 2 } parts
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var l) ? l : -1;

    private static string? ReadString(JsonObject obj, string name, string source) => obj[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        var other => throw new InvalidDataException($"{source}: field {name} should be a string, found {other.ToJsonString()}."),
    };
}
