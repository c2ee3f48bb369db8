using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// POST /api/vector/new: a custom steering vector of d_model numbers at a hook of a model. Takes ours
/// (<c>hook, label, defaultStrength</c>) or Neuronpedia's body (<c>layerNumber, hookType, vectorLabel,
/// vectorDefaultSteerStrength</c>, as its Python client sends); ours wins where both are given.
/// </summary>
public sealed record NewVectorRequest
{
    public string? ModelId { get; init; }

    public string? Hook { get; init; }

    [JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
    public double[]? Vector { get; init; }

    public string? Label { get; init; }

    [JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
    public double? DefaultStrength { get; init; }

    /// <summary>Neuronpedia's: the block, with <see cref="HookType"/> naming <c>blocks.{layerNumber}.{hookType}</c>.</summary>
    public int? LayerNumber { get; init; }

    /// <summary>Neuronpedia's: <c>hook_resid_pre</c> or <c>hook_resid_post</c>.</summary>
    public string? HookType { get; init; }

    /// <summary>Neuronpedia's name for <see cref="Label"/>.</summary>
    public string? VectorLabel { get; init; }

    /// <summary>Neuronpedia's name for <see cref="DefaultStrength"/>.</summary>
    [JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
    public double? VectorDefaultSteerStrength { get; init; }
}
