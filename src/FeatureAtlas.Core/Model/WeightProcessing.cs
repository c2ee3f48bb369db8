namespace FeatureAtlas.Core.Model;

/// <summary>
/// TransformerLens weight processing (weight_processing.py): rewrites that leave the model's function
/// unchanged but change what some hooks read. <see cref="Raw"/> is Hugging Face's numbers
/// (from_pretrained_no_processing); <see cref="TransformerLens"/> is from_pretrained's defaults. SAEs name the
/// processing they were trained under in cfg.json (<c>model_from_pretrained_kwargs</c>).
/// </summary>
public sealed record WeightProcessing(bool FoldLn, bool CenterWritingWeights, bool CenterUnembed, bool FoldValueBiases)
{
    public static WeightProcessing Raw { get; } = new(false, false, false, false);

    public static WeightProcessing TransformerLens { get; } = new(true, true, true, true);

    public bool IsRaw => this == Raw;

    /// <summary>"raw" or "tl"; anything else is an error naming the accepted values.</summary>
    public static WeightProcessing Parse(string value) => value switch
    {
        "raw" => Raw,
        "tl" => TransformerLens,
        _ => throw new ArgumentException($"Unknown processing '{value}': expected raw or tl."),
    };

    /// <summary>Raw plus the flags an SAE's model_from_pretrained_kwargs set (as SAELens loads its model).</summary>
    public static WeightProcessing FromPretrainedKwargs(IReadOnlyDictionary<string, bool> kwargs)
    {
        bool Get(string name) => kwargs.TryGetValue(name, out var v) && v;
        return new WeightProcessing(Get("fold_ln"), Get("center_writing_weights"), Get("center_unembed"), Get("fold_value_biases"));
    }

    public override string ToString() => this == Raw ? "raw" : this == TransformerLens ? "tl"
        : string.Join("+", new[] { FoldLn ? "fold_ln" : null, CenterWritingWeights ? "center_writing_weights" : null,
            CenterUnembed ? "center_unembed" : null, FoldValueBiases ? "fold_value_biases" : null }.Where(x => x != null));

    /// <summary>Applies the processing in TransformerLens's order; <paramref name="weights"/> must be unprocessed.</summary>
    public void Apply(Gpt2Weights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (!weights.Processing.IsRaw) throw new InvalidOperationException($"Weights are already processed ({weights.Processing}).");
        var c = weights.Config;
        int d = c.DModel, f = c.DMlp, v = c.Vocab;

        if (FoldLn)
        {
            foreach (var layer in weights.Layers)
            {
                FoldLayerNorm(layer.Ln1Gain, layer.Ln1Bias, d, (layer.WQ, layer.BQ, d), (layer.WK, layer.BK, d), (layer.WV, layer.BV, d));
                FoldLayerNorm(layer.Ln2Gain, layer.Ln2Bias, d, (layer.WIn, layer.BIn, f));
                layer.Ln1Gain = layer.Ln1Bias = layer.Ln2Gain = layer.Ln2Bias = [];
            }
            weights.WU = weights.UntiedWU();
            FoldLayerNorm(weights.LnFinalGain, weights.LnFinalBias, d, (weights.WU, weights.BU, v));
            weights.LnFinalGain = weights.LnFinalBias = [];
        }

        if (CenterWritingWeights)
        {
            // Every writer to the residual stream loses its mean over d_model, so the stream becomes
            // x − mean(x) per token; the LayerNorms that read it subtract the mean anyway.
            if (weights.WU is null) weights.WU = weights.UntiedWU();
            CenterRows(weights.WE, d);
            CenterRows(weights.WPos, d);
            foreach (var layer in weights.Layers)
            {
                CenterRows(layer.WO, d);
                CenterRows(layer.BO, d);
                CenterRows(layer.WOut, d);
                CenterRows(layer.BOut, d);
            }
        }

        if (CenterUnembed)
        {
            weights.WU ??= weights.UntiedWU();
            CenterRows(weights.WU, v);
            CenterRows(weights.BU, v);
        }

        if (FoldValueBiases)
        {
            // Attention rows sum to one, so b_V passes through the pattern unchanged: fold b_V·W_O into b_O.
            foreach (var layer in weights.Layers)
            {
                for (var j = 0; j < d; j++)
                {
                    double sum = layer.BO[j];
                    for (var i = 0; i < d; i++) sum += (double)layer.BV[i] * layer.WO[i * d + j];
                    layer.BO[j] = (float)sum;
                }
                Array.Clear(layer.BV);
            }
        }

        weights.Processing = this;
    }

    /// <summary>
    /// W′ = diag(γ)·W, b′ = b + β·W, then W′ centred over its input (d_model) axis, for each reader of the norm.
    /// </summary>
    private static void FoldLayerNorm(float[] gain, float[] bias, int d, params (float[] W, float[] B, int Columns)[] readers)
    {
        foreach (var (w, b, columns) in readers)
        {
            for (var j = 0; j < columns; j++)
            {
                double shift = 0;
                for (var i = 0; i < d; i++) shift += (double)bias[i] * w[i * columns + j];
                b[j] = (float)(b[j] + shift);
            }
            for (var i = 0; i < d; i++)
            {
                var g = gain[i];
                var row = w.AsSpan(i * columns, columns);
                for (var j = 0; j < columns; j++) row[j] *= g;
            }
            var mean = new double[columns];
            for (var i = 0; i < d; i++)
            {
                for (var j = 0; j < columns; j++) mean[j] += w[i * columns + j];
            }
            for (var i = 0; i < d; i++)
            {
                for (var j = 0; j < columns; j++) w[i * columns + j] = (float)(w[i * columns + j] - mean[j] / d);
            }
        }
    }

    /// <summary>Subtracts from each length-<paramref name="width"/> row its own mean.</summary>
    private static void CenterRows(float[] matrix, int width)
    {
        for (var r = 0; r < matrix.Length / width; r++)
        {
            var row = matrix.AsSpan(r * width, width);
            double sum = 0;
            foreach (var x in row) sum += x;
            var mean = (float)(sum / width);
            for (var i = 0; i < width; i++) row[i] -= mean;
        }
    }
}
