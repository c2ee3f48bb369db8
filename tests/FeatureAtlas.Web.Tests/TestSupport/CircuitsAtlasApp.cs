using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.TestSupport;

namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>
/// <see cref="LiveAtlasApp"/> plus the tiny synthetic GPT-2 of tiny_spec.json as model <see cref="GoldenModel"/>, with
/// every SAE of the spec that runs on the raw model (named as their folders), so the circuit
/// endpoints can be checked against the PyTorch goldens (circuits_golden.json, ablation_golden.json) through HTTP.
/// </summary>
public sealed class CircuitsAtlasApp : LiveAtlasApp
{
    public const string GoldenModel = "tiny-golden";

    /// <summary>The SAEs of circuits_golden.json's attribution, in its order.</summary>
    public static readonly string[] GoldenSaes = ["standard-resid-pre-1", "topk-mlp-out-0", "jumprelu-resid-post-2", "layernorm-resid-pre-2", "hookz-1", "mlp-post-0"];

    /// <summary>The one SAE of the spec that expects center_writing_weights; the others expect the raw model, and a live model runs one processing.</summary>
    public const string CenteredSae = "standard-centered-resid-pre-2";

    private SyntheticCheckpoint? _checkpoint;

    /// <summary>The SAEs registered with <see cref="GoldenModel"/>: every SAE of the spec but <see cref="CenteredSae"/>.</summary>
    public IEnumerable<string> RunnableSaes => Checkpoint.SaeNames.Where(n => n != CenteredSae);

    public SyntheticCheckpoint Checkpoint => _checkpoint!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _checkpoint = SyntheticCheckpoint.Create();
        var ct = CancellationToken.None;
        var configPath = Path.Combine(_checkpoint.ModelDirectory, "config.json");
        var config = Core.Model.Gpt2Config.Load(configPath);
        await Store.Models.UpsertModelAsync(new ModelRecord(GoldenModel, _checkpoint.ModelDirectory, File.ReadAllText(configPath), config.Layers, config.DModel, config.Vocab), ct);
        foreach (var name in RunnableSaes)
        {
            var directory = _checkpoint.SaeDirectory(name);
            await Store.Models.UpsertSaeAsync(SaeRecord.Of(GoldenModel, SparseAutoencoder.Load(directory), directory), ct);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _checkpoint?.Dispose();
    }
}
