using FeatureAtlas.Core.IO;

namespace FeatureAtlas.Core.Model;

/// <summary>
/// All GPT-2 parameters as plain arrays, loaded from a Hugging Face checkpoint (model.safetensors) and then
/// optionally transformed by <see cref="WeightProcessing"/>. Shapes: V vocab, P positions, D d_model.
/// </summary>
public sealed partial class Gpt2Weights
{
    public required Gpt2Config Config { get; init; }
    public required float[] WE { get; set; }        // [V, D] token embedding (wte)
    public required float[] WPos { get; set; }      // [P, D] position embedding (wpe)
    public required Gpt2LayerWeights[] Layers { get; init; }
    public float[] LnFinalGain { get; set; } = [];  // [D] or empty after fold_ln
    public float[] LnFinalBias { get; set; } = [];  // [D] or empty after fold_ln

    /// <summary>[D, V] unembedding, or null while it is still tied to <see cref="WE"/> (W_U = WEᵀ).</summary>
    public float[]? WU { get; set; }

    public required float[] BU { get; set; }        // [V]

    /// <summary>The applied processing, so a model can say what its activations mean.</summary>
    public WeightProcessing Processing { get; set; } = WeightProcessing.Raw;

    /// <summary>
    /// Reads a Hugging Face GPT-2 checkpoint. Tensor names may carry the <c>transformer.</c> prefix
    /// (GPT2LMHeadModel); <c>attn.bias</c>/<c>attn.masked_bias</c> buffers are ignored and <c>lm_head</c>
    /// is tied to <c>wte</c> (a separate lm_head.weight is used when it differs).
    /// </summary>
    public static Gpt2Weights Load(SafetensorsFile file, Gpt2Config config)
    {
        ArgumentNullException.ThrowIfNull(file);
        int d = config.DModel, f = config.DMlp;
        var prefix = file.Contains("transformer.wte.weight") ? "transformer." : "";

        float[] Read(string name, params int[] shape)
        {
            var full = prefix + name;
            if (!file.Contains(full))
            {
                throw new InvalidDataException($"{file.Path}: tensor '{full}' is missing; a GPT-2 checkpoint with n_layer {config.Layers} needs it.");
            }
            var info = file.Get(full);
            if (!info.Shape.Select(x => (int)x).SequenceEqual(shape))
            {
                throw new InvalidDataException(
                    $"{file.Path}: tensor '{full}' has shape [{string.Join(", ", info.Shape)}], expected [{string.Join(", ", shape)}] from config.json.");
            }
            return file.ReadFloat32(full);
        }

        var layers = new Gpt2LayerWeights[config.Layers];
        for (var l = 0; l < config.Layers; l++)
        {
            var h = $"h.{l}.";
            var cAttn = Read(h + "attn.c_attn.weight", d, 3 * d);
            var cAttnBias = Read(h + "attn.c_attn.bias", 3 * d);
            layers[l] = new Gpt2LayerWeights
            {
                Ln1Gain = Read(h + "ln_1.weight", d),
                Ln1Bias = Read(h + "ln_1.bias", d),
                WQ = Columns(cAttn, d, 3 * d, 0, d),
                WK = Columns(cAttn, d, 3 * d, d, d),
                WV = Columns(cAttn, d, 3 * d, 2 * d, d),
                BQ = cAttnBias[..d],
                BK = cAttnBias[d..(2 * d)],
                BV = cAttnBias[(2 * d)..],
                WO = Read(h + "attn.c_proj.weight", d, d),
                BO = Read(h + "attn.c_proj.bias", d),
                Ln2Gain = Read(h + "ln_2.weight", d),
                Ln2Bias = Read(h + "ln_2.bias", d),
                WIn = Read(h + "mlp.c_fc.weight", d, f),
                BIn = Read(h + "mlp.c_fc.bias", f),
                WOut = Read(h + "mlp.c_proj.weight", f, d),
                BOut = Read(h + "mlp.c_proj.bias", d),
            };
        }

        var wte = Read("wte.weight", config.Vocab, d);
        float[]? wu = null;
        if (file.Contains("lm_head.weight"))
        {
            var head = file.ReadFloat32("lm_head.weight");
            if (head.Length != wte.Length) throw new InvalidDataException($"{file.Path}: lm_head.weight has {head.Length} elements, expected [{config.Vocab}, {d}].");
            if (!head.AsSpan().SequenceEqual(wte)) wu = Transpose(head, config.Vocab, d);
        }

        return new Gpt2Weights
        {
            Config = config,
            WE = wte,
            WPos = Read("wpe.weight", config.Positions, d),
            Layers = layers,
            LnFinalGain = Read("ln_f.weight", d),
            LnFinalBias = Read("ln_f.bias", d),
            WU = wu,
            BU = new float[config.Vocab],
        };
    }

    /// <summary>The unembedding [D, V] as its own array (materialising the tie to WE).</summary>
    public float[] UntiedWU() => WU ?? Transpose(WE, Config.Vocab, Config.DModel);

    internal static float[] Columns(float[] matrix, int rows, int columns, int start, int count)
    {
        var result = new float[rows * count];
        for (var r = 0; r < rows; r++) matrix.AsSpan(r * columns + start, count).CopyTo(result.AsSpan(r * count));
        return result;
    }

    internal static float[] Transpose(float[] matrix, int rows, int columns)
    {
        var result = new float[matrix.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++) result[c * rows + r] = matrix[r * columns + c];
        }
        return result;
    }
}
