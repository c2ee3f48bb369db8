namespace FeatureAtlas.Core.Model;

/// <summary>
/// One transformer block's parameters in the orientation the forward pass multiplies by (x·W, Conv1D
/// [in, out]). Shapes: D d_model, F d_mlp; attention columns are head-major (h·Dh + d).
/// Empty layer-norm arrays mean LNPre (folded by TransformerLens processing).
/// </summary>
public sealed class Gpt2LayerWeights
{
    public float[] Ln1Gain { get; set; } = [];   // [D] or empty
    public float[] Ln1Bias { get; set; } = [];   // [D] or empty
    public required float[] WQ { get; set; }     // [D, D]
    public required float[] WK { get; set; }     // [D, D]
    public required float[] WV { get; set; }     // [D, D]
    public required float[] BQ { get; set; }     // [D]
    public required float[] BK { get; set; }     // [D]
    public required float[] BV { get; set; }     // [D]
    public required float[] WO { get; set; }     // [D, D]: rows are z (h·Dh + d), columns the residual
    public required float[] BO { get; set; }     // [D]
    public float[] Ln2Gain { get; set; } = [];   // [D] or empty
    public float[] Ln2Bias { get; set; } = [];   // [D] or empty
    public required float[] WIn { get; set; }    // [D, F]
    public required float[] BIn { get; set; }    // [F]
    public required float[] WOut { get; set; }   // [F, D]
    public required float[] BOut { get; set; }   // [D]
}
