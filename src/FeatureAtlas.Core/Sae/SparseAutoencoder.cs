using System.Numerics.Tensors;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Kernels;

namespace FeatureAtlas.Core.Sae;

/// <summary>
/// A sparse autoencoder in SAELens format (a folder with <c>cfg.json</c> + <c>sae_weights.safetensors</c>),
/// with SAELens's encode and decode semantics for every architecture. Shapes: N rows (tokens),
/// I d_in, S d_sae. Parameter names are SAELens's. Thread-safe for concurrent encodes.
/// </summary>
public sealed partial class SparseAutoencoder
{
    private PackedMatrix _encoder;          // W_enc [I, S]
    private PackedMatrix? _magnitude;       // gated: W_enc ⊙ exp(r_mag) [I, S]

    private readonly string? _name;

    private SparseAutoencoder(SaeConfig config, SaeParameters parameters, string? directory, string? name = null)
    {
        Config = config;
        Parameters = parameters;
        Directory = directory;
        _name = name;
        _encoder = PackedMatrix.Pack(parameters.WEnc, config.DIn, config.DSae);
        _magnitude = parameters.RMag is null ? null : PackMagnitude(parameters, config);
        DecoderNorms = ComputeDecoderNorms(parameters.WDec, config.DSae, config.DIn);
    }

    public SaeConfig Config { get; }

    public SaeParameters Parameters { get; private set; }

    /// <summary>‖W_dec[i]‖ per feature [S].</summary>
    public float[] DecoderNorms { get; private set; }

    public string? Directory { get; }

    /// <summary>
    /// The SAE's name: its folder name (how the store and URLs refer to it), or the name an in-memory SAE was
    /// given (default "sae").
    /// </summary>
    public string Name => _name ?? (Directory is null ? "sae" : Path.GetFileName(Path.TrimEndingDirectorySeparator(Directory)));

    public int DIn => Config.DIn;

    public int DSae => Config.DSae;

    public string HookName => Config.HookName;

    /// <summary>Loads an SAELens folder; a bad cfg or tensor shape names the file and field.</summary>
    public static SparseAutoencoder Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"SAE folder '{directory}' does not exist.");
        var config = SaeConfig.Load(Path.Combine(directory, "cfg.json"));
        var weightsPath = Path.Combine(directory, "sae_weights.safetensors");
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"SAE folder '{directory}' has no sae_weights.safetensors.", weightsPath);
        using var file = SafetensorsFile.Open(weightsPath);
        return new SparseAutoencoder(config, SaeParameters.Read(file, config), directory);
    }

    /// <summary>An SAE from parameters in memory; <paramref name="name"/> overrides the folder-derived name.</summary>
    public static SparseAutoencoder FromParameters(SaeConfig config, SaeParameters parameters, string? directory = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate(config, "parameters");
        return new SparseAutoencoder(config, parameters, directory, name);
    }

    /// <summary>
    /// After <see cref="FoldDecoderNorms"/> on a TopK SAE without rescale_acts_by_decoder_norm: the old decoder
    /// norms, multiplied into the activations after the top-k choice (which must not see them).
    /// </summary>
    private float[]? _activationScale;

    /// <summary>
    /// SAEDashboard's fold_W_dec_norm: decoder rows to unit norm, encoder columns (and b_enc, θ, gated
    /// biases) scaled by the old norms. Reconstructions are unchanged; activation i scales by ‖W_dec[i]‖.
    /// TopK is special, because scaling pre-activations would change which k win (SAELens refuses to fold
    /// it): without rescaling, the encoder is kept and the norms multiply the activations after the top-k
    /// choice; with rescale_acts_by_decoder_norm the choice already sees h·‖W_dec[i]‖, so the usual fold keeps
    /// it and the activations unchanged. A folded TopK SAE without rescaling has no SAELens form, so it cannot be saved.
    /// </summary>
    public void FoldDecoderNorms()
    {
        var p = Parameters;
        int dIn = DIn, dSae = DSae;
        var norms = DecoderNorms;
        var scaleAfterTopK = Config.Architecture == SaeArchitecture.TopK && !Config.RescaleActsByDecoderNorm;
        if (scaleAfterTopK) _activationScale ??= Enumerable.Repeat(1f, dSae).ToArray();
        for (var i = 0; i < dSae; i++)
        {
            var n = norms[i];
            if (n == 0f) continue;
            TensorPrimitives.Divide(p.WDec.AsSpan(i * dIn, dIn), n, p.WDec.AsSpan(i * dIn, dIn));
            if (scaleAfterTopK)
            {
                _activationScale![i] *= n;
                continue;
            }
            for (var j = 0; j < dIn; j++) p.WEnc[j * dSae + i] *= n;
            if (p.BEnc is not null) p.BEnc[i] *= n;
            if (p.Threshold is not null) p.Threshold[i] *= n;
            if (p.BGate is not null) p.BGate[i] *= n;
            if (p.BMag is not null) p.BMag[i] *= n;
        }
        if (!scaleAfterTopK)
        {
            _encoder = PackedMatrix.Pack(p.WEnc, dIn, dSae);
            _magnitude = p.RMag is null ? null : PackMagnitude(p, Config);
        }
        DecoderNorms = ComputeDecoderNorms(p.WDec, dSae, dIn);
    }

    private static PackedMatrix PackMagnitude(SaeParameters p, SaeConfig c)
    {
        var scaled = new float[p.WEnc.Length];
        for (var j = 0; j < c.DIn; j++)
        {
            for (var i = 0; i < c.DSae; i++) scaled[j * c.DSae + i] = p.WEnc[j * c.DSae + i] * MathF.Exp(p.RMag![i]);
        }
        return PackedMatrix.Pack(scaled, c.DIn, c.DSae);
    }

    private static float[] ComputeDecoderNorms(float[] wDec, int dSae, int dIn)
    {
        var norms = new float[dSae];
        for (var i = 0; i < dSae; i++) norms[i] = TensorPrimitives.Norm(wDec.AsSpan(i * dIn, dIn));
        return norms;
    }
}
