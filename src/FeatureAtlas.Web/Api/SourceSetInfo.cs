namespace FeatureAtlas.Web.Api;

/// <summary>A model's source set: SAEs trained alike, by name, with a description.</summary>
public sealed record SourceSetInfo(string Model, string Name, string Description);
