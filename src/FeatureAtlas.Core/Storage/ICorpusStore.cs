using FeatureAtlas.Core.Corpora;

namespace FeatureAtlas.Core.Storage;

/// <summary>Where corpora live: tokens stored once, read back by window index.</summary>
public interface ICorpusStore
{
    /// <summary>
    /// Stores a corpus atomically (all windows or none). A corpus of the same name is an error unless
    /// <paramref name="replace"/>.
    /// </summary>
    Task<CorpusInfo> AddCorpusAsync(string name, string source, int context, IEnumerable<int[]> windows, bool replace, CancellationToken cancellationToken);

    Task<CorpusInfo?> GetCorpusAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<CorpusInfo>> ListCorporaAsync(CancellationToken cancellationToken);

    /// <summary>Windows [start, start + count) of a corpus, in order (fewer at the end of the corpus).</summary>
    Task<IReadOnlyList<int[]>> ReadWindowsAsync(string corpus, int start, int count, CancellationToken cancellationToken);

    /// <summary>The given windows (by index, any order), keyed by index.</summary>
    Task<IReadOnlyDictionary<int, int[]>> ReadWindowsAsync(string corpus, IReadOnlyCollection<int> indexes, CancellationToken cancellationToken);
}
