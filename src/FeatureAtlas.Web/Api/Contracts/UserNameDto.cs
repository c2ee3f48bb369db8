namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A user as Neuronpedia includes one in another row (<c>select: {id, name}</c>).</summary>
public sealed record UserNameDto(string? Id, string Name);
