namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>Neuronpedia's answer to a delete: <c>{message}</c>.</summary>
public sealed record MessageDto(string Message);
