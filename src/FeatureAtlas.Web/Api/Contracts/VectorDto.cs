namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A saved steering vector; steer with it as <c>vectors: [{vectorId, strength}]</c>.</summary>
public sealed record VectorDto(int Id, string ModelId, string Hook, string Label, float DefaultStrength, int DModel, string Creator, float[] Vector);
