namespace FeatureAtlas.Data.Entities;

/// <summary>A saved steering run (table <c>steer_runs</c>), keyed by the start of its settings hash.</summary>
public sealed class SteerRunEntity
{
    public required string Id { get; set; }

    public required string Hash { get; set; }

    public required string Model { get; set; }

    public int EngineVersion { get; set; }

    public required string SettingsJson { get; set; }

    public required string ResultJson { get; set; }

    public int? UserId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
