using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A custom vector to steer with: d_model numbers at a hook, or a saved vector by <c>vectorId</c>.</summary>
public sealed record SteerVectorRequest
{
    public string? Hook { get; init; }

    [JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
    public double[]? Vector { get; init; }

    [JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
    public double? Strength { get; init; }

    public int? VectorId { get; init; }
}
