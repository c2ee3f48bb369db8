using System.Text.Json;
using System.Text.Json.Nodes;

namespace FeatureAtlas.Core.Model;

/// <summary>
/// The fields of a Hugging Face GPT-2 <c>config.json</c> the forward pass needs. Legacy aliases
/// (<c>hidden_size</c>, <c>num_hidden_layers</c>, …) are accepted; <c>n_inner</c> null means 4·n_embd.
/// </summary>
public sealed record Gpt2Config
{
    public required int Layers { get; init; }
    public required int DModel { get; init; }
    public required int Heads { get; init; }
    public required int Positions { get; init; }
    public required int Vocab { get; init; }
    public int DMlp { get; init; }
    public float LayerNormEpsilon { get; init; } = 1e-5f;
    public string ActivationFunction { get; init; } = "gelu_new";

    public int HeadDim => DModel / Heads;

    /// <summary>GPT-2 small (124M), the Hugging Face defaults.</summary>
    public static Gpt2Config Gpt2Small { get; } = new() { Layers = 12, DModel = 768, Heads = 12, Positions = 1024, Vocab = 50257, DMlp = 3072 };

    /// <summary>Reads and validates <c>config.json</c>; problems name the file and field.</summary>
    public static Gpt2Config Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model config '{path}' does not exist.", path);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }

        var modelType = root["model_type"] is JsonValue type ? Read<string>(type, path, "model_type") : null;
        if (modelType is not null and not "gpt2")
        {
            throw new InvalidDataException($"{path}: model_type is '{modelType}'; FeatureAtlas runs GPT-2-family models (model_type \"gpt2\").");
        }

        var dModel = Int(root, path, "n_embd", "hidden_size");
        var config = new Gpt2Config
        {
            Layers = Int(root, path, "n_layer", "num_hidden_layers"),
            DModel = dModel,
            Heads = Int(root, path, "n_head", "num_attention_heads"),
            Positions = Int(root, path, "n_positions", "max_position_embeddings", "n_ctx"),
            Vocab = Int(root, path, "vocab_size"),
            DMlp = root["n_inner"] is JsonValue inner ? Read<int>(inner, path, "n_inner") : DefaultDMlp(dModel, path),
            LayerNormEpsilon = root["layer_norm_epsilon"] is JsonValue eps ? (float)Read<double>(eps, path, "layer_norm_epsilon") : 1e-5f,
            ActivationFunction = root["activation_function"] is JsonValue act ? Read<string>(act, path, "activation_function") : "gelu_new",
        };
        config.Validate(path);
        return config;
    }

    /// <summary>Checks the numbers fit together; <paramref name="source"/> names the file in messages.</summary>
    public void Validate(string source)
    {
        void Positive(int value, string field)
        {
            if (value <= 0) throw new InvalidDataException($"{source}: {field} must be positive, found {value}.");
        }

        void Fits(long elements, string what)
        {
            if (elements > Array.MaxLength)
            {
                throw new InvalidDataException($"{source}: {what} is {N0(elements)} elements; a GPT-2 weight can hold at most {N0(Array.MaxLength)}.");
            }
        }

        Positive(Layers, "n_layer");
        Positive(DModel, "n_embd");
        Positive(Heads, "n_head");
        Positive(Positions, "n_positions");
        Positive(Vocab, "vocab_size");
        Positive(DMlp, "n_inner");
        if (DModel % Heads != 0) throw new InvalidDataException($"{source}: n_embd {DModel} is not divisible by n_head {Heads}.");
        // Each weight is one float array; sizes multiply in long so a huge field is reported, not wrapped negative.
        Fits(3L * DModel, "3 × n_embd (the width of attn.c_attn)");
        Fits((long)Vocab * DModel, "vocab_size × n_embd (wte)");
        Fits((long)Positions * DModel, "n_positions × n_embd (wpe)");
        Fits(3L * DModel * DModel, "n_embd × 3·n_embd (attn.c_attn)");
        Fits((long)DModel * DMlp, "n_embd × n_inner (mlp.c_fc)");
        if (ActivationFunction is not ("gelu_new" or "gelu_pytorch_tanh"))
        {
            throw new InvalidDataException($"{source}: activation_function: expected \"gelu_new\" (GPT-2's tanh GELU), found \"{ActivationFunction}\".");
        }
        if (!(LayerNormEpsilon > 0)) throw new InvalidDataException($"{source}: layer_norm_epsilon must be positive, found {LayerNormEpsilon}.");
    }

    /// <summary>The Hugging Face config.json for this configuration.</summary>
    public JsonObject ToJson() => new()
    {
        ["model_type"] = "gpt2",
        ["architectures"] = new JsonArray("GPT2LMHeadModel"),
        ["n_layer"] = Layers,
        ["n_embd"] = DModel,
        ["n_head"] = Heads,
        ["n_positions"] = Positions,
        ["n_ctx"] = Positions,
        ["vocab_size"] = Vocab,
        ["n_inner"] = DMlp == 4 * DModel ? null : DMlp,
        ["layer_norm_epsilon"] = LayerNormEpsilon,
        ["activation_function"] = ActivationFunction,
        ["initializer_range"] = 0.02,
        ["bos_token_id"] = 50256,
        ["eos_token_id"] = 50256,
    };

    /// <summary>n_inner null means 4·n_embd, which must itself be a valid width.</summary>
    private static int DefaultDMlp(int dModel, string path)
    {
        var dMlp = 4L * dModel;
        if (dMlp > int.MaxValue)
        {
            throw new InvalidDataException($"{path}: n_inner is null, so 4 × n_embd = {N0(dMlp)}, more than the largest width ({N0(int.MaxValue)}); n_embd {N0(dModel)} is too large.");
        }
        return (int)dMlp;
    }

    private static int Int(JsonObject root, string path, params string[] names)
    {
        foreach (var name in names)
        {
            if (root[name] is JsonValue value) return Read<int>(value, path, name);
        }
        throw new InvalidDataException($"{path}: missing field {names[0]}{(names.Length > 1 ? $" (or {string.Join(", ", names.Skip(1))})" : "")}.");
    }

    private static T Read<T>(JsonValue value, string path, string field)
    {
        try
        {
            return value.GetValue<T>();
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: field {field} should be {typeof(T).Name.ToLowerInvariant()}, found {value.ToJsonString()}.", e);
        }
    }

    private static string N0(long value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}
