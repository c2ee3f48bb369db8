namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>activation/source's answer, one result per text in order.</summary>
public sealed record ActivationSourceResponse(ActivationSourceResult[] Results);
