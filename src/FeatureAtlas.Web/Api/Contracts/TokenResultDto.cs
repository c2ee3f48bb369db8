namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>The features at one position.</summary>
public sealed record TokenResultDto(int Position, string Token, bool IsSpecial, TopFeatureDto[] TopFeatures);
