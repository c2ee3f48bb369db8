using System.Text.Encodings.Web;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// Corpus windows as display tokens for dashboard examples: token ids read from the store once and kept in a
/// bounded cache (a popular feature's 45 windows are read once, not per view), strings from the GPT-2 tokenizer and
/// their markup from one <see cref="VocabularyMarkup"/>.
/// </summary>
public sealed class CorpusTokens(ICorpusStore corpusStore)
{
    // A direct-mapped cache of 2^17 windows (about 70 MB at 128 tokens): a slot holds one immutable entry, which a
    // reader takes whole, and a window whose slot another holds is read from the store again. A corpus only ever gains
    // windows, so an entry is never stale. It replaced a MemoryCache whose boxed keys, entry options and size
    // accounting cost more than the lookups (2.7% of a page's CPU under load).
    private const int SlotBits = 17;
    private readonly Window?[] _slots = new Window?[1 << SlotBits];

    private Dictionary<string, int>? _idsByDisplayString;
    private VocabularyMarkup? _vocabulary;

    public Gpt2Tokenizer Tokenizer { get; } = Gpt2Tokenizer.CreateDefault();

    /// <summary>Token ids by display string (<see cref="Gpt2Tokenizer.IdsByDisplayString"/>), built on first use.</summary>
    public IReadOnlyDictionary<string, int> IdsByDisplayString => LazyInitializer.EnsureInitialized(ref _idsByDisplayString, Tokenizer.IdsByDisplayString);

    /// <summary>The tokenizer's tokens as HTML (the site's encoder, <see cref="HtmlEncoder.Default"/>), built on first use.</summary>
    public VocabularyMarkup Vocabulary => _vocabulary ?? LazyInitializer.EnsureInitialized(ref _vocabulary,
        () => new VocabularyMarkup(Tokenizer.GetTokenStrings(Enumerable.Range(0, Tokenizer.VocabSize).ToArray()), HtmlEncoder.Default));

    /// <summary>The token ids of the given windows of a corpus; windows the corpus lacks are absent.</summary>
    public async Task<IReadOnlyDictionary<int, int[]>> WindowsAsync(string corpus, IReadOnlyCollection<int> windows, CancellationToken cancellationToken)
    {
        var found = new Dictionary<int, int[]>(windows.Count);
        List<int>? missing = null;
        var origin = Origin(corpus);
        foreach (var w in windows)
        {
            if (found.ContainsKey(w)) continue;
            if (_slots[Slot(origin, w)] is { } hit && hit.Index == w && string.Equals(hit.Corpus, corpus, StringComparison.Ordinal)) found[w] = hit.Ids;
            else (missing ??= []).Add(w);
        }
        if (missing is not null)
        {
            var read = await corpusStore.ReadWindowsAsync(corpus, missing.Distinct().ToArray(), cancellationToken);
            foreach (var (w, ids) in read)
            {
                _slots[Slot(origin, w)] = new Window(corpus, w, ids);
                found[w] = ids;
            }
        }
        return found;
    }

    /// <summary>Display strings of token ids (bytes that are not whole UTF-8 characters shown as escapes).</summary>
    public string[] Strings(ReadOnlySpan<int> ids) => Tokenizer.GetTokenStrings(ids);

    // A corpus's windows take consecutive slots from a place its name picks (Origin), so up to 2^17 of them never
    // collide. The name is hashed once per call: hashed per window, it was half the time of a page's 45 lookups.
    private static int Origin(string corpus) => StringComparer.Ordinal.GetHashCode(corpus);

    private static int Slot(int origin, int window) => (origin + window) & ((1 << SlotBits) - 1);

    private sealed record Window(string Corpus, int Index, int[] Ids);
}
