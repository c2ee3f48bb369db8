using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A token's next-token probability before and after an ablation.</summary>
public sealed record TokenChangeDto(
    [property: JsonPropertyName("token_id")] int TokenId,
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("before")] float Before,
    [property: JsonPropertyName("after")] float After);
