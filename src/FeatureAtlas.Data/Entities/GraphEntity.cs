namespace FeatureAtlas.Data.Entities;

/// <summary>
/// A stored attribution graph (table <c>graphs</c>), unique by (model, slug). <see cref="Json"/> is the graph JSON in
/// UTF-8, gzip-compressed when <see cref="Compressed"/> (graphs over a few tens of kilobytes).
/// </summary>
public sealed class GraphEntity
{
    public int Id { get; set; }

    public int ModelId { get; set; }

    public required string Slug { get; set; }

    public int? UserId { get; set; }

    public required string Prompt { get; set; }

    public required string SettingsJson { get; set; }

    public int NodeCount { get; set; }

    public int LinkCount { get; set; }

    /// <summary>The JSON's length before compression.</summary>
    public long JsonBytes { get; set; }

    public bool Compressed { get; set; }

    public required byte[] Json { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
