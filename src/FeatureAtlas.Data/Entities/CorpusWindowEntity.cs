namespace FeatureAtlas.Data.Entities;

/// <summary>One window of a corpus (table <c>corpus_windows</c>), keyed by (corpus, window index).</summary>
public sealed class CorpusWindowEntity
{
    public int CorpusId { get; set; }

    public int WindowIndex { get; set; }

    /// <summary>Token ids as little-endian int32, 4 bytes a token.</summary>
    public required byte[] TokenIds { get; set; }
}
