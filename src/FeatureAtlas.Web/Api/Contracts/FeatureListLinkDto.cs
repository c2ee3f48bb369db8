namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A feature's place on a list, as Neuronpedia's ListsOnNeurons row with its <c>list</c> included.</summary>
public sealed record FeatureListLinkDto(string ModelId, string Layer, string Index, string ListId, string? Description, DateTimeOffset AddedAt, string UserId, ListDto List);
