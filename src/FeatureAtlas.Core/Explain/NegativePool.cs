using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Explain;

/// <summary>
/// Random corpus windows shared by every feature as the "random" examples of scoring (OAI's random records,
/// Delphi's non-activating examples), with each feature's true activations on them: measured by running the model
/// and the SAE once over the pool (dashboard semantics: unit-norm decoder folding, BOS zeroed), or, when no
/// weights are at hand, assumed zero (<see cref="Measured"/> false, and said so in the scores).
/// </summary>
public sealed class NegativePool
{
    private readonly List<Entry>?[] _entries;   // [S] per feature, the non-zero (slot, position, value) triples

    private NegativePool(IReadOnlyList<int> windows, IReadOnlyList<int[]> tokens, int features, bool measured)
    {
        if (windows.Count != tokens.Count) throw new ArgumentException($"{windows.Count} window indexes for {tokens.Count} windows.", nameof(tokens));
        Windows = windows;
        Tokens = tokens;
        Measured = measured;
        _entries = new List<Entry>?[features];
    }

    /// <summary>The corpus index of each pool slot.</summary>
    public IReadOnlyList<int> Windows { get; }

    public IReadOnlyList<int[]> Tokens { get; }

    public bool Measured { get; }

    public int Count => Windows.Count;

    public static NegativePool AssumedZero(IReadOnlyList<int> windows, IReadOnlyList<int[]> tokens, int features) => new(windows, tokens, features, measured: false);

    /// <summary>Runs <paramref name="model"/> and <paramref name="sae"/> over the windows, <paramref name="batch"/> at a time.</summary>
    public static NegativePool Measure(Gpt2Model model, SparseAutoencoder sae, IReadOnlyList<int> windows, IReadOnlyList<int[]> tokens, int bosTokenId, int batch = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        var pool = new NegativePool(windows, tokens, sae.DSae, measured: true);
        var run = RunOptions.CacheOnly(sae.HookName);
        var features = Array.Empty<float>();
        var start = 0;
        while (start < tokens.Count)
        {
            var length = tokens[start].Length;
            var end = start;
            while (end < tokens.Count && end - start < batch && tokens[end].Length == length) end++;
            var flat = new int[(end - start) * length];
            for (var w = start; w < end; w++) tokens[w].CopyTo(flat, (w - start) * length);
            var output = model.Run(flat, end - start, run);
            var rows = flat.Length;
            if (features.Length < rows * sae.DSae) features = new float[rows * sae.DSae];
            sae.Encode(output.Cache[sae.HookName].Data, rows, features);
            for (var r = 0; r < rows; r++)
            {
                if (flat[r] == bosTokenId) continue;
                var row = features.AsSpan(r * sae.DSae, sae.DSae);
                for (var f = 0; f < row.Length; f++)
                {
                    if (row[f] > 0) (pool._entries[f] ??= []).Add(new Entry(start + r / length, r % length, row[f]));
                }
            }
            start = end;
        }
        return pool;
    }

    /// <summary>Feature <paramref name="feature"/>'s activations [T] over pool slot <paramref name="slot"/>.</summary>
    public float[] Activations(int feature, int slot)
    {
        var dense = new float[Tokens[slot].Length];
        if ((uint)feature < (uint)_entries.Length && _entries[feature] is { } entries)
        {
            foreach (var e in entries)
            {
                if (e.Slot == slot) dense[e.Position] = e.Value;
            }
        }
        return dense;
    }

    private readonly record struct Entry(int Slot, int Position, float Value);
}
