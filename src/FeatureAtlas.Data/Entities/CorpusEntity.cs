namespace FeatureAtlas.Data.Entities;

/// <summary>A named corpus (table <c>corpora</c>); its tokens live once, in <see cref="CorpusWindowEntity"/> rows.</summary>
public sealed class CorpusEntity
{
    public int Id { get; set; }

    public required string Name { get; set; }

    /// <summary>Where the text came from (file name, dataset name).</summary>
    public required string Source { get; set; }

    public int Context { get; set; }

    public int Windows { get; set; }

    public long Tokens { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
