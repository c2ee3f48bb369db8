namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A feature on a list, with the owner's note about it (<c>description</c>).</summary>
public sealed record ListFeatureDto(string ModelId, string Layer, int Index, string? Description, DateTimeOffset AddedAt);
