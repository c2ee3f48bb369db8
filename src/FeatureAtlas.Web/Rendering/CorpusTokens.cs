using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Tokenization;
using Microsoft.Extensions.Caching.Memory;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// Corpus windows as display tokens for dashboard examples: token ids read from the store once and kept in a
/// bounded cache (a popular feature's 45 windows are read once, not per view), strings from the GPT-2 tokenizer.
/// </summary>
public sealed class CorpusTokens(ICorpusStore corpusStore)
{
    // About 64 MB of windows at 128 tokens × 4 bytes each.
    private readonly MemoryCache _windows = new(new MemoryCacheOptions { SizeLimit = 128 * 1024 });

    private Dictionary<string, int>? _idsByDisplayString;

    public Gpt2Tokenizer Tokenizer { get; } = Gpt2Tokenizer.CreateDefault();

    /// <summary>Token ids by display string (<see cref="Gpt2Tokenizer.IdsByDisplayString"/>), built on first use.</summary>
    public IReadOnlyDictionary<string, int> IdsByDisplayString => LazyInitializer.EnsureInitialized(ref _idsByDisplayString, Tokenizer.IdsByDisplayString);

    /// <summary>The token ids of the given windows of a corpus; windows the corpus lacks are absent.</summary>
    public async Task<IReadOnlyDictionary<int, int[]>> WindowsAsync(string corpus, IReadOnlyCollection<int> windows, CancellationToken cancellationToken)
    {
        var found = new Dictionary<int, int[]>(windows.Count);
        var missing = new List<int>();
        foreach (var w in windows.Distinct())
        {
            if (_windows.TryGetValue((corpus, w), out int[]? ids) && ids is not null) found[w] = ids;
            else missing.Add(w);
        }
        if (missing.Count > 0)
        {
            var read = await corpusStore.ReadWindowsAsync(corpus, missing, cancellationToken);
            foreach (var (w, ids) in read)
            {
                _windows.Set((corpus, w), ids, new MemoryCacheEntryOptions { Size = 1 });
                found[w] = ids;
            }
        }
        return found;
    }

    /// <summary>Display strings of token ids (bytes that are not whole UTF-8 characters shown as escapes).</summary>
    public string[] Strings(ReadOnlySpan<int> ids) => Tokenizer.GetTokenStrings(ids);
}
