using FeatureAtlas.Core.Corpora;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Jobs;

/// <summary>
/// What the language-model trainers (<see cref="TrainLmJob"/>, <see cref="TrainLensJob"/>) read from stored corpora:
/// the corpora by name, checked not empty, and their windows cut into training and held-out sequences, every k-th
/// window of each corpus held out.
/// </summary>
internal static class CorpusSequences
{
    /// <summary>The named corpora; an unknown or empty one is an error naming it.</summary>
    public static async Task<List<CorpusInfo>> ReadInfosAsync(ICorpusStore corpora, IEnumerable<string> names, CancellationToken cancellationToken)
    {
        var infos = new List<CorpusInfo>();
        foreach (var name in names)
        {
            var info = await corpora.GetCorpusAsync(name, cancellationToken).ConfigureAwait(false)
                ?? throw new KeyNotFoundException($"No corpus named '{name}'; add it with `atlas corpus add`.");
            if (info.Windows == 0 || info.Tokens == 0) throw new InvalidDataException($"Corpus '{name}' is empty (0 windows); add it again with some text.");
            infos.Add(info);
        }
        return infos;
    }

    /// <summary>
    /// Sequences of <paramref name="length"/> tokens starting every <paramref name="stride"/> tokens of each window (a
    /// stride one shorter than the length makes next-token sequences that overlap by one), window k·every − 1 of each
    /// corpus going to the held-out list; a token outside the vocabulary is an error naming its window. Neither list
    /// may come out empty.
    /// </summary>
    public static async Task<(List<int[]> Train, List<int[]> HeldOut)> SplitAsync(ICorpusStore corpora, IReadOnlyList<CorpusInfo> infos, int length, int stride,
        int every, int vocab, CancellationToken cancellationToken)
    {
        var train = new List<int[]>();
        var heldOut = new List<int[]>();
        foreach (var info in infos)
        {
            for (var start = 0; start < info.Windows; start += 4096)
            {
                var windows = await corpora.ReadWindowsAsync(info.Name, start, Math.Min(4096, info.Windows - start), cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < windows.Count; i++)
                {
                    var window = windows[i];
                    var target = (start + i) % every == every - 1 ? heldOut : train;
                    for (var j = 0; j + length <= window.Length; j += stride)
                    {
                        var sequence = window[j..(j + length)];
                        foreach (var id in sequence)
                        {
                            if ((uint)id >= (uint)vocab) throw new InvalidDataException($"Corpus '{info.Name}' window {start + i} has token id {id}, outside the model's vocabulary of {vocab}.");
                        }
                        target.Add(sequence);
                    }
                }
            }
        }
        if (train.Count == 0) throw new InvalidDataException($"The corpora have no training sequences of {length} tokens once every {every}th window is held out.");
        if (heldOut.Count == 0) throw new InvalidDataException($"Holding out every {every}th window leaves no held-out windows (the corpora have {infos.Sum(i => i.Windows)}); raise --held-out-fraction.");
        return (train, heldOut);
    }
}
