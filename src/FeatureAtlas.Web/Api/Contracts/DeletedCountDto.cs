namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>How many rows a delete removed, as Neuronpedia's <c>deleteMany</c> answers (<c>{count}</c>).</summary>
public sealed record DeletedCountDto(int Count);
