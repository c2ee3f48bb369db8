using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>One feature to steer with: <c>layer</c> is the SAE's name, <c>strength</c> in the feature's activation units.</summary>
public sealed record SteerFeatureRequest
{
    public string? ModelId { get; init; }

    public string? Layer { get; init; }

    public int? Index { get; init; }

    [JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
    public double? Strength { get; init; }
}
