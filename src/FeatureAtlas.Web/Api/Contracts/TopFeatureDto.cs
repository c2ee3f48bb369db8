namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A feature at a position.</summary>
public sealed record TopFeatureDto(float ActivationValue, int FeatureIndex);
