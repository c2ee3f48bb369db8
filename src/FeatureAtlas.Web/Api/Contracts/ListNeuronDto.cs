namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A feature on a list as Neuronpedia's ListsOnNeurons row (<c>index</c> a string); what <c>list/add-features</c> answers, one per added feature.</summary>
public sealed record ListNeuronDto(string ModelId, string Layer, string Index, string ListId, string? Description, DateTimeOffset AddedAt, string UserId);
