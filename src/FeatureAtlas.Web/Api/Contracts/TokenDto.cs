using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A token as the circuit endpoints name it: its id and its string.</summary>
public sealed record TokenDto([property: JsonPropertyName("token_id")] int TokenId, [property: JsonPropertyName("token")] string Token);
