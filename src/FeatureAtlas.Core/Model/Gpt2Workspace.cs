namespace FeatureAtlas.Core.Model;

/// <summary>
/// Scratch buffers for one forward pass, sized for a number of rows (B·T) and reused across calls so a
/// steady-state forward allocates only its outputs. Shapes in rows R = B·T.
/// </summary>
internal sealed class Gpt2Workspace
{
    public Gpt2Workspace(Gpt2Config config, int rows, int patternSize, int resultSize = 0)
    {
        Rows = rows;
        PatternSize = patternSize;
        Scale = new float[rows];
        Result = new float[resultSize];
        int d = config.DModel;
        Residual = new float[rows * d];
        Normalized = new float[rows * d];
        Scratch = new float[rows * d];
        Q = new float[rows * d];
        K = new float[rows * d];
        V = new float[rows * d];
        Z = new float[rows * d];
        Mlp = new float[rows * config.DMlp];
        Pattern = new float[patternSize];
    }

    public int Rows { get; }
    public int PatternSize { get; }
    public float[] Residual { get; }    // [R, D]
    public float[] Normalized { get; }  // [R, D] layer-norm output
    public float[] Scratch { get; }     // [R, D] sublayer output / embeddings
    public float[] Q { get; }           // [R, H·Dh]
    public float[] K { get; }           // [R, H·Dh]
    public float[] V { get; }           // [R, H·Dh]
    public float[] Z { get; }           // [R, H·Dh]
    public float[] Mlp { get; }         // [R, F]
    public float[] Pattern { get; }     // [B, H, T, T] when hook_pattern or hook_attn_scores is used
    public float[] Scale { get; }       // [R] layer-norm √(σ² + ε)
    public float[] Result { get; }      // [R, H, D] when hook_result is used

    public bool Fits(int rows, int patternSize, int resultSize = 0) => rows <= Rows && patternSize <= PatternSize && resultSize <= Result.Length;
}
