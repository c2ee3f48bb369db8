using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Kernels;

namespace FeatureAtlas.Core.Model;

/// <summary>
/// A GPT-2-family transformer with TransformerLens hook points, ready to run: weights loaded from a
/// Hugging Face folder, processed (<see cref="WeightProcessing"/>) and packed for the GEMM kernel once.
/// Shape legend: B batch, T tokens, D d_model, H heads, Dh head dim, F d_mlp, V vocab.
/// Thread-safe: concurrent forward passes each take their own workspace.
/// </summary>
public sealed partial class Gpt2Model
{
    private readonly PackedLayer[] _layers;
    private readonly PackedMatrix _unembed;                // [D, V]
    private readonly string[][] _hookNames;                // [layer][kind index in HookNames.BlockKinds]
    private Gpt2Workspace? _spare;

    private Gpt2Model(Gpt2Weights weights, string? directory)
    {
        Weights = weights;
        Directory = directory;
        var c = weights.Config;
        _layers = weights.Layers.Select(l => new PackedLayer(l, c)).ToArray();
        _unembed = weights.WU is null ? PackedMatrix.PackTransposed(weights.WE, c.DModel, c.Vocab) : PackedMatrix.Pack(weights.WU, c.DModel, c.Vocab);
        _hookNames = Enumerable.Range(0, c.Layers)
            .Select(l => HookNames.BlockKinds.Select(k => HookNames.Block(l, k)).ToArray()).ToArray();
    }

    public Gpt2Config Config => Weights.Config;

    public Gpt2Weights Weights { get; }

    public WeightProcessing Processing => Weights.Processing;

    /// <summary>The folder the model was loaded from, or null for an in-memory model.</summary>
    public string? Directory { get; }

    /// <summary>The folder name, which names the model in the store and in URLs.</summary>
    public string Name => Directory is null ? "model" : System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(Directory));

    /// <summary>
    /// Loads <c>config.json</c> + <c>model.safetensors</c> from a Hugging Face GPT-2 folder and applies
    /// <paramref name="processing"/> (default: raw, Hugging Face's numbers).
    /// </summary>
    public static Gpt2Model Load(string directory, WeightProcessing? processing = null)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"Model folder '{directory}' does not exist.");
        var config = Gpt2Config.Load(System.IO.Path.Combine(directory, "config.json"));
        var weightsPath = System.IO.Path.Combine(directory, "model.safetensors");
        if (!File.Exists(weightsPath))
        {
            throw new FileNotFoundException($"Model folder '{directory}' has no model.safetensors (only the safetensors format is read; convert pytorch_model.bin first).", weightsPath);
        }
        using var file = SafetensorsFile.Open(weightsPath);
        var weights = Gpt2Weights.Load(file, config);
        return FromWeights(weights, processing, directory);
    }

    /// <summary>Builds a runnable model from raw weights, applying <paramref name="processing"/>.</summary>
    public static Gpt2Model FromWeights(Gpt2Weights weights, WeightProcessing? processing = null, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        processing ??= WeightProcessing.Raw;
        if (!processing.IsRaw) processing.Apply(weights);
        return new Gpt2Model(weights, directory);
    }

    /// <summary>
    /// logits [rows, V] = x [rows, D] · W_U with no final layer norm and no b_U: a residual direction's direct
    /// effect on the logits, as SAE dashboards report it.
    /// </summary>
    public void MultiplyByUnembedding(ReadOnlySpan<float> x, int rows, Span<float> logits) => Sgemm.Multiply(x, _unembed, logits, rows);

    /// <summary>
    /// Packs <see cref="Weights"/> again into the buffers this model already holds, after they changed in place (an
    /// optimiser step): a training step then reuses one model instead of allocating ~2 × V × D floats of packed
    /// unembedding per step. Not safe while another thread runs this model.
    /// </summary>
    public void Repack()
    {
        foreach (var layer in _layers) layer.Repack();
        if (Weights.WU is null) _unembed.Repack(Weights.WE, transposed: true);
        else _unembed.Repack(Weights.WU, transposed: false);
        RepackTransposed();
    }

    /// <summary>W_U [D, V] packed for <see cref="Sgemm"/> (lens readouts take it a block of columns at a time).</summary>
    internal PackedMatrix Unembedding => _unembed;

    private sealed class PackedLayer
    {
        public PackedLayer(Gpt2LayerWeights w, Gpt2Config c)
        {
            Source = w;
            WQ = PackedMatrix.Pack(w.WQ, c.DModel, c.DModel);
            WK = PackedMatrix.Pack(w.WK, c.DModel, c.DModel);
            WV = PackedMatrix.Pack(w.WV, c.DModel, c.DModel);
            WO = PackedMatrix.Pack(w.WO, c.DModel, c.DModel);
            WIn = PackedMatrix.Pack(w.WIn, c.DModel, c.DMlp);
            WOut = PackedMatrix.Pack(w.WOut, c.DMlp, c.DModel);
        }

        public Gpt2LayerWeights Source { get; }

        public void Repack()
        {
            WQ.Repack(Source.WQ, transposed: false);
            WK.Repack(Source.WK, transposed: false);
            WV.Repack(Source.WV, transposed: false);
            WO.Repack(Source.WO, transposed: false);
            WIn.Repack(Source.WIn, transposed: false);
            WOut.Repack(Source.WOut, transposed: false);
        }

        public PackedMatrix WQ { get; }
        public PackedMatrix WK { get; }
        public PackedMatrix WV { get; }
        public PackedMatrix WO { get; }
        public PackedMatrix WIn { get; }
        public PackedMatrix WOut { get; }
    }
}
