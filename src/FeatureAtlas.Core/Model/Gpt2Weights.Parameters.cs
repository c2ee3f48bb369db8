using FeatureAtlas.Core.IO;

namespace FeatureAtlas.Core.Model;

/// <summary>The weights as a list of trainable parameters and as a Hugging Face checkpoint.</summary>
public sealed partial class Gpt2Weights
{
    /// <summary>
    /// Zeros in every parameter's shape (layer-norm arrays empty where these are empty, WU null while tied): the
    /// accumulator <see cref="Gpt2Model.Backward"/> adds parameter gradients into, and optimiser moments.
    /// </summary>
    public Gpt2Weights ZerosLike() => new()
    {
        Config = Config,
        WE = new float[WE.Length],
        WPos = new float[WPos.Length],
        Layers = Layers.Select(l => new Gpt2LayerWeights
        {
            Ln1Gain = new float[l.Ln1Gain.Length], Ln1Bias = new float[l.Ln1Bias.Length],
            WQ = new float[l.WQ.Length], WK = new float[l.WK.Length], WV = new float[l.WV.Length],
            BQ = new float[l.BQ.Length], BK = new float[l.BK.Length], BV = new float[l.BV.Length],
            WO = new float[l.WO.Length], BO = new float[l.BO.Length],
            Ln2Gain = new float[l.Ln2Gain.Length], Ln2Bias = new float[l.Ln2Bias.Length],
            WIn = new float[l.WIn.Length], BIn = new float[l.BIn.Length], WOut = new float[l.WOut.Length], BOut = new float[l.BOut.Length],
        }).ToArray(),
        LnFinalGain = new float[LnFinalGain.Length],
        LnFinalBias = new float[LnFinalBias.Length],
        WU = WU is null ? null : new float[WU.Length],
        BU = new float[BU.Length],
        Processing = Processing,
    };

    /// <summary>
    /// Every trainable array in a fixed order with whether it is a matrix (2-D in Hugging Face's layout, which
    /// AdamW decays, as nanoGPT does) or a vector (biases, layer-norm γ and β: not decayed). b_U is not a GPT-2
    /// parameter and is left out; so are empty (folded) layer-norm arrays.
    /// </summary>
    public IEnumerable<(string Name, float[] Values, bool IsMatrix)> Parameters()
    {
        yield return ("wte.weight", WE, true);
        yield return ("wpe.weight", WPos, true);
        for (var l = 0; l < Layers.Length; l++)
        {
            var w = Layers[l];
            var h = $"h.{l}.";
            if (w.Ln1Gain.Length > 0) yield return (h + "ln_1.weight", w.Ln1Gain, false);
            if (w.Ln1Bias.Length > 0) yield return (h + "ln_1.bias", w.Ln1Bias, false);
            yield return (h + "attn.W_Q", w.WQ, true);
            yield return (h + "attn.W_K", w.WK, true);
            yield return (h + "attn.W_V", w.WV, true);
            yield return (h + "attn.b_Q", w.BQ, false);
            yield return (h + "attn.b_K", w.BK, false);
            yield return (h + "attn.b_V", w.BV, false);
            yield return (h + "attn.c_proj.weight", w.WO, true);
            yield return (h + "attn.c_proj.bias", w.BO, false);
            if (w.Ln2Gain.Length > 0) yield return (h + "ln_2.weight", w.Ln2Gain, false);
            if (w.Ln2Bias.Length > 0) yield return (h + "ln_2.bias", w.Ln2Bias, false);
            yield return (h + "mlp.c_fc.weight", w.WIn, true);
            yield return (h + "mlp.c_fc.bias", w.BIn, false);
            yield return (h + "mlp.c_proj.weight", w.WOut, true);
            yield return (h + "mlp.c_proj.bias", w.BOut, false);
        }
        if (LnFinalGain.Length > 0) yield return ("ln_f.weight", LnFinalGain, false);
        if (LnFinalBias.Length > 0) yield return ("ln_f.bias", LnFinalBias, false);
        if (WU is not null) yield return ("lm_head.weight", WU, true);
    }

    /// <summary>
    /// The tensors of a Hugging Face GPT-2 checkpoint (names without <c>transformer.</c>, Conv1D [in, out], fused
    /// c_attn [D, 3D]), what <see cref="Load"/> reads back. Only raw (unprocessed) weights can be written.
    /// </summary>
    public IReadOnlyList<SafetensorsWriter.Entry> ToHuggingFace()
    {
        if (!Processing.IsRaw) throw new InvalidOperationException($"Only raw weights form a Hugging Face checkpoint; these are processed ({Processing}).");
        int d = Config.DModel, f = Config.DMlp;
        var entries = new List<SafetensorsWriter.Entry>
        {
            new("wte.weight", [Config.Vocab, d], WE),
            new("wpe.weight", [Config.Positions, d], WPos),
        };
        for (var l = 0; l < Layers.Length; l++)
        {
            var w = Layers[l];
            var h = $"h.{l}.";
            var cAttn = new float[d * 3 * d];
            for (var r = 0; r < d; r++)
            {
                w.WQ.AsSpan(r * d, d).CopyTo(cAttn.AsSpan(r * 3 * d));
                w.WK.AsSpan(r * d, d).CopyTo(cAttn.AsSpan(r * 3 * d + d));
                w.WV.AsSpan(r * d, d).CopyTo(cAttn.AsSpan(r * 3 * d + 2 * d));
            }
            entries.AddRange(
            [
                new(h + "ln_1.weight", [d], w.Ln1Gain), new(h + "ln_1.bias", [d], w.Ln1Bias),
                new(h + "attn.c_attn.weight", [d, 3 * d], cAttn), new(h + "attn.c_attn.bias", [3 * d], (float[])[.. w.BQ, .. w.BK, .. w.BV]),
                new(h + "attn.c_proj.weight", [d, d], w.WO), new(h + "attn.c_proj.bias", [d], w.BO),
                new(h + "ln_2.weight", [d], w.Ln2Gain), new(h + "ln_2.bias", [d], w.Ln2Bias),
                new(h + "mlp.c_fc.weight", [d, f], w.WIn), new(h + "mlp.c_fc.bias", [f], w.BIn),
                new(h + "mlp.c_proj.weight", [f, d], w.WOut), new(h + "mlp.c_proj.bias", [d], w.BOut),
            ]);
        }
        entries.Add(new("ln_f.weight", [d], LnFinalGain));
        entries.Add(new("ln_f.bias", [d], LnFinalBias));
        if (WU is not null) entries.Add(new("lm_head.weight", [Config.Vocab, d], Transpose(WU, d, Config.Vocab)));
        return entries;
    }
}
