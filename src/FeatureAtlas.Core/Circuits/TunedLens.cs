using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Core.Circuits;

/// <summary>
/// A tuned lens (Belrose et al. 2023, "Eliciting Latent Predictions from Transformers with the Tuned Lens"): for each
/// layer l below the last, an affine translator read before ln_final and the unembedding,
/// <c>y = h + A_l·(h − mean h) + b_l</c> on hook_resid_post l, fitted by KL to the model's own final distribution
/// (<see cref="Training.TunedLensTrainer"/>). The last layer's readout is the model's output, so it has none (the
/// identity). Starting from A = 0, b = 0 it is the logit lens.
/// <para>
/// The translator reads the residual centred over d_model. ln_final discards the mean anyway, and centring makes one
/// lens serve every weight processing: center_writing_weights turns the residual h into h − mean h, and fold_ln and
/// center_unembed change only what comes after the translator, so a lens fitted on the raw model gives the same
/// distributions on a TransformerLens-processed one.
/// </para>
/// Shape legend: L layers, D d_model, R rows (positions). Stored beside the model in <c>tuned_lens/</c>:
/// <c>config.json</c> and <c>params.safetensors</c> holding <c>layer_translators.{l}.weight</c> [D, D] (torch
/// Linear's [out, in]) and <c>layer_translators.{l}.bias</c> [D].
/// </summary>
public sealed class TunedLens
{
    /// <summary>The folder inside a model folder where the runtime looks for the model's tuned lens.</summary>
    public const string FolderName = "tuned_lens";

    public const string ParamsFile = "params.safetensors";

    public const string ConfigFile = "config.json";

    public const string LensType = "linear_tuned_lens";

    private readonly PackedMatrix?[] _packed;

    private TunedLens(int layers, int dModel, float[][] weights, float[][] biases, JsonObject? training)
    {
        Layers = layers;
        DModel = dModel;
        Weights = weights;
        Biases = biases;
        Training = training;
        _packed = new PackedMatrix?[weights.Length];
    }

    /// <summary>L: the model's layers; translators exist for layers 0 … L − 2.</summary>
    public int Layers { get; }

    public int DModel { get; }

    /// <summary>A_l [D, D] row-major as [out, in], one per translated layer.</summary>
    public float[][] Weights { get; }

    /// <summary>b_l [D], one per translated layer.</summary>
    public float[][] Biases { get; }

    /// <summary>What the training recorded (corpus, tokens, steps, the KL per layer), or null.</summary>
    public JsonObject? Training { get; }

    /// <summary>The number of translators: L − 1.</summary>
    public int Translators => Weights.Length;

    /// <summary>The identity lens (every A and b zero): it reads out exactly what the logit lens does.</summary>
    public static TunedLens CreateIdentity(Gpt2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var n = Math.Max(0, config.Layers - 1);
        var d = config.DModel;
        return new TunedLens(config.Layers, d, Enumerable.Range(0, n).Select(_ => new float[d * d]).ToArray(),
            Enumerable.Range(0, n).Select(_ => new float[d]).ToArray(), null);
    }

    /// <summary>A lens from parameters in memory (tests, training); each A [D·D], each b [D], L − 1 of each.</summary>
    public static TunedLens Create(Gpt2Config config, float[][] weights, float[][] biases, JsonObject? training = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(biases);
        int d = config.DModel, n = Math.Max(0, config.Layers - 1);
        if (weights.Length != n || biases.Length != n) throw new ArgumentException($"A {config.Layers}-layer model's tuned lens has {n} translators; got {weights.Length} weights and {biases.Length} biases.");
        for (var l = 0; l < n; l++)
        {
            if (weights[l].Length != d * d) throw new ArgumentException($"Translator {l}'s weight has {weights[l].Length} values; expected [{d}, {d}].");
            if (biases[l].Length != d) throw new ArgumentException($"Translator {l}'s bias has {biases[l].Length} values; expected [{d}].");
        }
        return new TunedLens(config.Layers, d, weights, biases, training);
    }

    /// <summary>Where a model folder's tuned lens lives.</summary>
    public static string DirectoryFor(string modelDirectory) => Path.Combine(modelDirectory, FolderName);

    /// <summary>Whether <paramref name="modelDirectory"/> holds a tuned lens (its parameters file).</summary>
    public static bool ExistsFor(string? modelDirectory) => modelDirectory is not null && File.Exists(Path.Combine(DirectoryFor(modelDirectory), ParamsFile));

    /// <summary>
    /// Reads a lens folder written by <see cref="Save"/> for a model of <paramref name="config"/>; an
    /// <see cref="InvalidDataException"/> names the file and tensor when it does not fit.
    /// </summary>
    public static TunedLens Load(string directory, Gpt2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var configPath = Path.Combine(directory, ConfigFile);
        var paramsPath = Path.Combine(directory, ParamsFile);
        if (!File.Exists(paramsPath)) throw new FileNotFoundException($"No tuned lens in '{directory}': {ParamsFile} is missing (train one with `atlas train-lens`).", paramsPath);
        JsonObject? root = null;
        if (File.Exists(configPath))
        {
            try
            {
                root = JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{configPath} is not valid JSON: {e.Message}", e);
            }
            if (root?["lens_type"]?.GetValue<string>() is { } type && type != LensType) throw new InvalidDataException($"{configPath}: lens_type is '{type}'; expected '{LensType}'.");
            if (root?["d_model"] is JsonValue dm && dm.GetValue<int>() != config.DModel) throw new InvalidDataException($"{configPath}: d_model is {dm}; the model's is {config.DModel}.");
            if (root?["num_hidden_layers"] is JsonValue nl && nl.GetValue<int>() != config.Layers) throw new InvalidDataException($"{configPath}: num_hidden_layers is {nl}; the model has {config.Layers}.");
        }
        int d = config.DModel, n = Math.Max(0, config.Layers - 1);
        var weights = new float[n][];
        var biases = new float[n][];
        using var file = SafetensorsFile.Open(paramsPath);
        for (var l = 0; l < n; l++)
        {
            weights[l] = Read(file, WeightName(l), [d, d]);
            biases[l] = Read(file, BiasName(l), [d]);
        }
        var extra = file.Tensors.Keys.FirstOrDefault(k => !IsKnown(k, n));
        if (extra is not null) throw new InvalidDataException($"{paramsPath}: unexpected tensor '{extra}' (a {config.Layers}-layer model's lens has layer_translators.0 … {n - 1}).");
        return new TunedLens(config.Layers, d, weights, biases, root?["training"] as JsonObject);
    }

    /// <summary>The model folder's lens, or null when it has none.</summary>
    public static TunedLens? LoadBeside(string? modelDirectory, Gpt2Config config) =>
        ExistsFor(modelDirectory) ? Load(DirectoryFor(modelDirectory!), config) : null;

    /// <summary>
    /// Writes config.json and params.safetensors into <paramref name="directory"/> through a temporary folder renamed
    /// into place, so a reader never sees half a lens; an older lens there is replaced.
    /// </summary>
    public void Save(string directory, JsonObject? training = null)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var temp = full + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        var tensors = new List<SafetensorsWriter.Entry>();
        for (var l = 0; l < Translators; l++)
        {
            tensors.Add(new(WeightName(l), [DModel, DModel], Weights[l]));
            tensors.Add(new(BiasName(l), [DModel], Biases[l]));
        }
        SafetensorsWriter.Write(Path.Combine(temp, ParamsFile), tensors, new Dictionary<string, string> { ["format"] = "pt", ["created_by"] = "atlas train-lens" });
        var config = new JsonObject
        {
            ["lens_type"] = LensType, ["d_model"] = DModel, ["num_hidden_layers"] = Layers, ["bias"] = true,
            ["hook"] = "hook_resid_post", ["input"] = "centred", ["translators"] = Translators,
        };
        if ((training ?? Training) is { } info) config["training"] = info.DeepClone();
        File.WriteAllText(Path.Combine(temp, ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var old = full + ".old";
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        if (Directory.Exists(full)) Directory.Move(full, old);
        Directory.Move(temp, full);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }

    /// <summary>
    /// <paramref name="destination"/> [R, D] = h + (h − mean h)·A_lᵀ + b_l for <paramref name="residual"/> [R, D] at
    /// hook_resid_post <paramref name="layer"/>; the last layer is copied unchanged. <paramref name="centred"/> [R, D]
    /// is scratch (and holds h − mean h afterwards, which training reuses).
    /// </summary>
    public void Translate(int layer, ReadOnlySpan<float> residual, int rows, Span<float> centred, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, Layers);
        var d = DModel;
        var n = rows * d;
        if (residual.Length < n || centred.Length < n || destination.Length < n) throw new ArgumentException($"Translate needs [{rows}, {d}] in every buffer.");
        residual[..n].CopyTo(destination);
        if (layer >= Translators) return;
        for (var r = 0; r < rows; r++)
        {
            var row = residual.Slice(r * d, d);
            TensorPrimitives.Subtract(row, TensorPrimitives.Sum(row) / d, centred.Slice(r * d, d));
        }
        var packed = _packed[layer] ??= PackedMatrix.PackTransposed(Weights[layer], d, d);
        Sgemm.Multiply(centred[..n], packed, destination, rows, Biases[layer], accumulate: true);
    }

    /// <summary>Drops the packed copy of translator <paramref name="layer"/> after its weights changed in place.</summary>
    public void Invalidate(int layer) => _packed[layer] = null;

    public static string WeightName(int layer) => $"layer_translators.{layer.ToString(CultureInfo.InvariantCulture)}.weight";

    public static string BiasName(int layer) => $"layer_translators.{layer.ToString(CultureInfo.InvariantCulture)}.bias";

    private static bool IsKnown(string name, int n)
    {
        for (var l = 0; l < n; l++)
        {
            if (name == WeightName(l) || name == BiasName(l)) return true;
        }
        return false;
    }

    private static float[] Read(SafetensorsFile file, string name, int[] shape)
    {
        if (!file.Contains(name)) throw new InvalidDataException($"{file.Path}: tensor '{name}' is missing.");
        var info = file.Get(name);
        if (!info.Shape.SequenceEqual(shape.Select(s => (long)s)))
        {
            throw new InvalidDataException($"{file.Path}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}]; expected [{string.Join(", ", shape)}].");
        }
        return file.ReadFloat32(name);
    }
}
