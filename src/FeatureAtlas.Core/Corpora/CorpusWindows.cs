using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Core.Corpora;

/// <summary>
/// Cuts documents into the fixed-length windows dashboards read, as SAELens builds its token stream: each
/// document tokenized without BOS, documents joined by &lt;|endoftext|&gt;, the stream cut into chunks of
/// context − 1 tokens, each window BOS + chunk. A trailing partial chunk is dropped, so every window has
/// exactly <c>context</c> tokens. Deterministic: the same documents in the same order give the same windows.
/// </summary>
public static class CorpusWindows
{
    public static IEnumerable<int[]> FromDocuments(IEnumerable<string> documents, Gpt2Tokenizer tokenizer, int context)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(context, 2);
        var chunk = new List<int>(context);
        var first = true;
        foreach (var document in documents)
        {
            if (!first)
            {
                foreach (var window in Append(chunk, Gpt2Tokenizer.BosTokenId, context)) yield return window;
            }
            first = false;
            foreach (var id in tokenizer.Encode(document, prependBos: false))
            {
                foreach (var window in Append(chunk, id, context)) yield return window;
            }
        }
    }

    private static IEnumerable<int[]> Append(List<int> chunk, int id, int context)
    {
        chunk.Add(id);
        if (chunk.Count < context - 1) yield break;
        var window = new int[context];
        window[0] = Gpt2Tokenizer.BosTokenId;
        chunk.CopyTo(window, 1);
        chunk.Clear();
        yield return window;
    }
}
