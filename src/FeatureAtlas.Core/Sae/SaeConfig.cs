using System.Text.Json;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Hooks;

namespace FeatureAtlas.Core.Sae;

/// <summary>
/// An SAELens <c>cfg.json</c>, in the 6.x layout (model facts under <c>metadata</c>) or the flat pre-6.0
/// layout, which is translated as SAELens's handle_pre_6_0_config does. The original JSON is kept in
/// <see cref="Json"/> so the store can show it unchanged.
/// </summary>
public sealed record SaeConfig
{
    public required int DIn { get; init; }
    public required int DSae { get; init; }
    public required SaeArchitecture Architecture { get; init; }
    public required string HookName { get; init; }
    public bool ApplyBDecToInput { get; init; } = true;
    public ActivationNormalization NormalizeActivations { get; init; } = ActivationNormalization.None;
    public bool ReshapeHookZ { get; init; }
    public int? HookHeadIndex { get; init; }
    public string Dtype { get; init; } = "float32";
    public string? ModelName { get; init; }
    public int? ContextSize { get; init; }
    public bool PrependBos { get; init; } = true;
    public int K { get; init; } = 100;
    public bool RescaleActsByDecoderNorm { get; init; }
    public float? NormScalingFactor { get; init; }
    public string? NeuronpediaId { get; init; }
    public IReadOnlyDictionary<string, bool> ModelFromPretrainedKwargs { get; init; } = new Dictionary<string, bool>();
    public JsonObject Json { get; init; } = new();

    /// <summary>The block index parsed from the hook name (<c>blocks.N.</c>), or −1 for embedding hooks.</summary>
    public int Layer => HookNames.LayerOf(HookName);

    public static SaeConfig Load(string path) => Parse(ReadObject(path), path);

    /// <summary>The JSON object in a cfg.json file; a missing file, bad JSON or another value names the path.</summary>
    public static JsonObject ReadObject(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"SAE config '{path}' does not exist.", path);
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }

    /// <summary>Parses a cfg.json object; <paramref name="source"/> names it in error messages.</summary>
    public static SaeConfig Parse(JsonObject root, string source)
    {
        var reader = new FieldReader(root, source);
        // 6.x puts model facts under metadata; pre-6.0 files are flat and use older names.
        var metadata = root["metadata"] as JsonObject;
        var meta = metadata is null ? reader : new FieldReader(metadata, source + " metadata");

        var hook = meta.String("hook_name") ?? reader.String("hook_name") ?? reader.String("hook_point")
            ?? throw new InvalidDataException($"{source}: missing field hook_name (or metadata.hook_name / hook_point).");

        var architecture = reader.String("architecture") ?? "standard";
        var arch = architecture switch
        {
            "standard" => SaeArchitecture.Standard,
            "jumprelu" => SaeArchitecture.JumpRelu,
            "topk" => SaeArchitecture.TopK,
            "gated" => SaeArchitecture.Gated,
            _ => throw new InvalidDataException($"{source}: architecture: expected standard, jumprelu, topk or gated, found \"{architecture}\"."),
        };
        var k = ReadK(root, reader, source, ref arch);

        var normalize = root["normalize_activations"] switch
        {
            null => ActivationNormalization.None,
            JsonValue v when v.TryGetValue<bool>(out var flag) => flag ? ActivationNormalization.ExpectedAverageOnlyIn : ActivationNormalization.None,
            JsonValue v when v.TryGetValue<string>(out var mode) => mode switch
            {
                "none" => ActivationNormalization.None,
                "expected_average_only_in" => ActivationNormalization.ExpectedAverageOnlyIn,
                "constant_norm_rescale" => ActivationNormalization.ConstantNormRescale,
                "layer_norm" => ActivationNormalization.LayerNorm,
                _ => throw new InvalidDataException($"{source}: normalize_activations: expected none, expected_average_only_in, constant_norm_rescale or layer_norm, found \"{mode}\"."),
            },
            var other => throw new InvalidDataException($"{source}: normalize_activations should be a string, found {other.ToJsonString()}."),
        };

        var reshape = reader.String("reshape_activations");
        if (reshape is not (null or "none" or "hook_z"))
        {
            throw new InvalidDataException($"{source}: reshape_activations: expected none or hook_z, found \"{reshape}\".");
        }

        var kwargs = new Dictionary<string, bool>();
        var kwargsNode = meta.Node("model_from_pretrained_kwargs") ?? reader.Node("model_from_pretrained_kwargs");
        if (kwargsNode is JsonObject kwargsObject)
        {
            foreach (var (key, value) in kwargsObject)
            {
                if (value is JsonValue jv && jv.TryGetValue<bool>(out var b)) kwargs[key] = b;
            }
        }

        var config = new SaeConfig
        {
            DIn = reader.Int("d_in") ?? throw new InvalidDataException($"{source}: missing field d_in."),
            DSae = reader.Int("d_sae") ?? throw new InvalidDataException($"{source}: missing field d_sae."),
            Architecture = arch,
            HookName = hook,
            ApplyBDecToInput = reader.Bool("apply_b_dec_to_input") ?? true,
            NormalizeActivations = normalize,
            ReshapeHookZ = reshape == "hook_z" || (reshape is null && HookNames.IsZ(hook)),
            HookHeadIndex = meta.Int("hook_head_index") ?? reader.Int("hook_head_index") ?? reader.Int("hook_point_head_index"),
            Dtype = (reader.String("dtype") ?? "float32").Replace("torch.", "", StringComparison.Ordinal),
            ModelName = meta.String("model_name") ?? reader.String("model_name"),
            ContextSize = meta.Int("context_size") ?? reader.Int("context_size"),
            PrependBos = meta.Bool("prepend_bos") ?? reader.Bool("prepend_bos") ?? true,
            K = k ?? 100,
            RescaleActsByDecoderNorm = reader.Bool("rescale_acts_by_decoder_norm") ?? false,
            NormScalingFactor = reader.Float("norm_scaling_factor"),
            NeuronpediaId = meta.String("neuronpedia_id") ?? reader.String("neuronpedia_id"),
            ModelFromPretrainedKwargs = kwargs,
            Json = (JsonObject)root.DeepClone(),
        };
        config.Validate(source);
        return config;
    }

    /// <summary>
    /// The TopK k, read where SAELens reads it: the top-level <c>k</c> (6.x), or <c>activation_fn_kwargs.k</c> in a
    /// pre-6.0 file, whose <c>activation_fn</c> (or <c>activation_fn_str</c>) <c>"topk"</c> also makes a standard SAE a
    /// TopK one. Any other activation than relu or topk, a TopK SAE without k, or two different k are errors: running
    /// such an SAE as something else would give plausible but wrong features.
    /// </summary>
    private static int? ReadK(JsonObject root, FieldReader reader, string source, ref SaeArchitecture arch)
    {
        var fnField = root["activation_fn"] is not null ? "activation_fn" : "activation_fn_str";
        var activationFn = reader.String(fnField);
        switch (activationFn)
        {
            case null or "relu":
                break;
            case "topk" when arch is SaeArchitecture.Standard or SaeArchitecture.TopK:
                arch = SaeArchitecture.TopK;
                break;
            case "topk":
                throw new InvalidDataException($"{source}: {fnField} \"topk\" does not fit architecture \"{Name(arch)}\"; expected architecture standard or topk with it.");
            default:
                throw new InvalidDataException($"{source}: {fnField}: expected relu or topk, found \"{activationFn}\".");
        }

        var kwargs = root["activation_fn_kwargs"];
        if (kwargs is not (null or JsonObject)) throw new InvalidDataException($"{source}: field activation_fn_kwargs should be an object, found {kwargs.ToJsonString()}.");
        var kwargsK = kwargs is JsonObject kw ? new FieldReader(kw, source).Int("k", "activation_fn_kwargs.k") : null;
        var k = reader.Int("k");
        if (arch != SaeArchitecture.TopK) return k;
        if (k is not null && kwargsK is not null && k != kwargsK)
        {
            throw new InvalidDataException($"{source}: k is {k} but activation_fn_kwargs.k is {kwargsK}; a TopK SAE has one k.");
        }
        return k ?? kwargsK ?? throw new InvalidDataException(
            $"{source}: k (the number of features active per token) is missing for architecture \"topk\"; expected an integer in [1, d_sae], as field k or activation_fn_kwargs.k.");
    }

    private static string Name(SaeArchitecture arch) => arch switch
    {
        SaeArchitecture.JumpRelu => "jumprelu",
        SaeArchitecture.Gated => "gated",
        SaeArchitecture.TopK => "topk",
        _ => "standard",
    };

    private void Validate(string source)
    {
        if (DIn <= 0) throw new InvalidDataException($"{source}: d_in must be positive, found {DIn}.");
        if (DSae <= 0) throw new InvalidDataException($"{source}: d_sae must be positive, found {DSae}.");
        if ((long)DIn * DSae > Array.MaxLength)
        {
            throw new InvalidDataException($"{source}: d_in × d_sae = {N0((long)DIn * DSae)} elements for W_enc; an SAE weight can hold at most {N0(Array.MaxLength)}.");
        }
        if (Architecture == SaeArchitecture.TopK && (K <= 0 || K > DSae)) throw new InvalidDataException($"{source}: k must be in [1, d_sae = {DSae}], found {K}.");
        if (Dtype is not ("float32" or "float16" or "bfloat16" or "float64"))
        {
            throw new InvalidDataException($"{source}: dtype: expected float32, float16, bfloat16 or float64, found \"{Dtype}\".");
        }
        if (HookHeadIndex is not null) throw new InvalidDataException($"{source}: hook_head_index {HookHeadIndex} (single-head SAEs) is not supported yet.");
    }

    /// <summary>Typed reads from one JSON object that name the source and field on a type mismatch.</summary>
    private readonly struct FieldReader(JsonObject obj, string source)
    {
        public JsonNode? Node(string name) => obj[name];

        public string? String(string name) => Get<string>(name, "a string");

        public int? Int(string name, string? label = null) => obj[name] is null ? null : Get<int>(name, "an integer", label);

        public bool? Bool(string name) => obj[name] is null ? null : Get<bool>(name, "true or false");

        public float? Float(string name) => obj[name] is null ? null : (float)Get<double>(name, "a number");

        private T? Get<T>(string name, string expected, string? label = null)
        {
            var node = obj[name];
            if (node is null) return default;
            if (node is JsonValue value && value.TryGetValue<T>(out var result)) return result;
            throw new InvalidDataException($"{source}: field {label ?? name} should be {expected}, found {node.ToJsonString()}.");
        }
    }

    private static string N0(long value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}
