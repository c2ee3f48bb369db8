using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>POST /api/vector/new: a custom steering vector of d_model numbers at a hook of a model.</summary>
public sealed record NewVectorRequest
{
    public string? ModelId { get; init; }

    public string? Hook { get; init; }

    [JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
    public double[]? Vector { get; init; }

    public string? Label { get; init; }

    [JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
    public double? DefaultStrength { get; init; }
}
