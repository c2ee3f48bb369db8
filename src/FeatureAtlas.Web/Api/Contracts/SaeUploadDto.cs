namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>An accepted SAE upload: where the SAE now is, and the job that builds its dashboards, explanations and map.</summary>
public sealed record SaeUploadDto(string Model, string Sae, long JobId, string Url);
