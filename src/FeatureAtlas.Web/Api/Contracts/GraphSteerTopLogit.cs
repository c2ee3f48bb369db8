using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A candidate next token and its probability.</summary>
public sealed record GraphSteerTopLogit(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("prob")] double Prob);
