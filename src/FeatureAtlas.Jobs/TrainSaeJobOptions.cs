using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Training;

namespace FeatureAtlas.Jobs;

/// <summary>What <see cref="TrainSaeJob"/> trains, on what, and where it writes.</summary>
public sealed record TrainSaeJobOptions
{
    public required string ModelDirectory { get; init; }

    /// <summary>The model's name in cfg.json metadata (its folder name by default).</summary>
    public string? ModelName { get; init; }

    /// <summary>A TransformerLens hook name, e.g. blocks.6.hook_resid_pre.</summary>
    public required string HookName { get; init; }

    /// <summary>
    /// A transcoder's output hook (e.g. blocks.6.hook_mlp_out; <see cref="HookName"/> is then its input, e.g.
    /// blocks.6.ln2.hook_normalized): the trainer predicts this hook from that one (<see cref="SaeTrainingOptions.Transcoder"/>
    /// must be set) and the result is a transcoder folder. Null for an SAE.
    /// </summary>
    public string? HookNameOut { get; init; }

    /// <summary>A corpus added with <c>atlas corpus add</c>; read in order, from the start again when exhausted.</summary>
    public required string Corpus { get; init; }

    public required SaeTrainingOptions Training { get; init; }

    /// <summary>The SAELens folder written at the end (cfg.json, sae_weights.safetensors, sparsity.safetensors).</summary>
    public required string OutputDirectory { get; init; }

    public required string CheckpointDirectory { get; init; }

    /// <summary>Model weight processing the activations are read under; recorded in cfg.json's model_from_pretrained_kwargs.</summary>
    public WeightProcessing Processing { get; init; } = WeightProcessing.Raw;

    /// <summary>Rows the shuffling buffer holds, as a multiple of the batch.</summary>
    public int BufferBatches { get; init; } = 8;

    /// <summary>Windows per forward pass of the model.</summary>
    public int BatchWindows { get; init; } = 8;

    /// <summary>Leave out positions holding the BOS/EOS token (SAELens exclude_special_tokens), whose activations are outliers.</summary>
    public bool ExcludeSpecialTokens { get; init; } = true;

    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMinutes(2);
}
