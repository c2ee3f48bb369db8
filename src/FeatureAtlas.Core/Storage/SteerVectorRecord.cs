namespace FeatureAtlas.Core.Storage;

/// <summary>A user's custom steering vector: d_model numbers at a hook of a model, with a label and a default strength.</summary>
public sealed record SteerVectorRecord(int Id, int UserId, string Model, string Hook, float[] Vector, string Label, float DefaultStrength, DateTimeOffset CreatedAt);
