namespace FeatureAtlas.Data.Entities;

/// <summary>A user's custom steering vector (table <c>steer_vectors</c>); <see cref="Vector"/> is float32 little-endian.</summary>
public sealed class SteerVectorEntity
{
    public int Id { get; set; }

    public int UserId { get; set; }

    public required string Model { get; set; }

    public required string Hook { get; set; }

    public required byte[] Vector { get; set; }

    public required string Label { get; set; }

    public float DefaultStrength { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
