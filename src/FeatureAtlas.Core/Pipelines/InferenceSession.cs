using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Pipelines;

/// <summary>
/// A model and the SAEs that read it, loaded the way SAELens would: the unprocessed model plus the SAEs'
/// <c>model_from_pretrained_kwargs</c> (unless a processing is forced), every SAE checked against the model
/// before any work. One forward pass serves all SAEs, stopping at the deepest hook they need.
/// </summary>
public sealed class InferenceSession
{
    private InferenceSession(Gpt2Model model, IReadOnlyList<SparseAutoencoder> saes)
    {
        Model = model;
        Saes = saes;
    }

    public Gpt2Model Model { get; }

    public IReadOnlyList<SparseAutoencoder> Saes { get; }

    public static InferenceSession Load(string modelDirectory, IReadOnlyList<string> saeDirectories, WeightProcessing? processing = null)
    {
        ArgumentNullException.ThrowIfNull(saeDirectories);
        var config = Gpt2Config.Load(Path.Combine(modelDirectory, "config.json"));
        var saes = saeDirectories.Select(SparseAutoencoder.Load).ToList();
        foreach (var sae in saes) sae.CheckFits(config);
        var duplicate = saes.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Two SAE folders are both named '{duplicate.Key}'; SAEs are identified by folder name.");
        processing ??= ProcessingFor(saes);
        return new InferenceSession(Gpt2Model.Load(modelDirectory, processing), saes);
    }

    /// <summary>A session over a model and SAEs already in memory (benchmarks, tests); the same checks as <see cref="Load"/>.</summary>
    public static InferenceSession Create(Gpt2Model model, IReadOnlyList<SparseAutoencoder> saes)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(saes);
        foreach (var sae in saes) sae.CheckFits(model.Config);
        var duplicate = saes.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Two SAEs are both named '{duplicate.Key}'; SAEs are identified by name.");
        return new InferenceSession(model, saes.ToArray());
    }

    /// <summary>The same as <see cref="SparseAutoencoder.CheckFits"/>, kept for callers of this name.</summary>
    public static void CheckFits(SparseAutoencoder sae, Gpt2Config model)
    {
        ArgumentNullException.ThrowIfNull(sae);
        sae.CheckFits(model);
    }

    /// <summary>The processing SAELens would load the model with for these SAEs; they must agree.</summary>
    public static WeightProcessing ProcessingFor(IReadOnlyList<SparseAutoencoder> saes)
    {
        ArgumentNullException.ThrowIfNull(saes);
        if (saes.Count == 0) return WeightProcessing.Raw;
        var first = WeightProcessing.FromPretrainedKwargs(saes[0].Config.ModelFromPretrainedKwargs);
        foreach (var sae in saes.Skip(1))
        {
            var other = WeightProcessing.FromPretrainedKwargs(sae.Config.ModelFromPretrainedKwargs);
            if (other != first)
            {
                throw new ArgumentException(
                    $"SAEs '{saes[0].Name}' ({first}) and '{sae.Name}' ({other}) expect different model processing; run them separately or choose one with --processing.");
            }
        }
        return first;
    }

    /// <summary>Runs the model once over <paramref name="tokens"/> (one sequence) and every SAE on its hook.</summary>
    public InferenceResult Run(ReadOnlySpan<int> tokens, IReadOnlyCollection<string>? hooks = null, bool logits = true)
    {
        var cache = new HashSet<string>(hooks ?? [], StringComparer.Ordinal);
        foreach (var sae in Saes) cache.Add(sae.HookName);
        var output = Model.Run(tokens, 1, new RunOptions { Cache = cache, ComputeLogits = logits, LogitsLastPositionOnly = true });

        var features = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var sae in Saes)
        {
            var input = output.Cache[sae.HookName];
            var f = sae.Encode(input.Data, tokens.Length);
            features[sae.Name] = new Tensor(f, tokens.Length, sae.DSae);
        }
        return new InferenceResult(output.Logits, output.Cache, features);
    }
}
