namespace FeatureAtlas.Core.Model;

/// <summary>
/// Keys and values of every layer for B sequences that grow together, so each decode step runs only its new
/// positions through the model (<see cref="Gpt2Model.RunCached"/>). Sized once per generation for
/// <see cref="Capacity"/> positions; a step allocates nothing. Not thread-safe: one generation owns one cache.
/// Shapes: B batch, H heads, Dh head dim, C capacity rounded up to 16 (C16).
/// </summary>
public sealed class KeyValueCache
{
    private readonly float[][] _keys;     // [layer] → [B·H, Dh, C16]: transposed, so a score row streams 16 keys per FMA
    private readonly float[][] _values;   // [layer] → [B·H, C, Dh]
    private Gpt2Workspace? _workspace;

    internal KeyValueCache(Gpt2Config config, int batch, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, config.Positions);
        Config = config;
        Batch = batch;
        Capacity = capacity;
        Stride = (capacity + 15) & ~15;
        var perLayer = checked(batch * config.Heads * config.HeadDim * Stride);
        _keys = new float[config.Layers][];
        _values = new float[config.Layers][];
        for (var l = 0; l < config.Layers; l++)
        {
            _keys[l] = GC.AllocateArray<float>(perLayer, pinned: true);
            _values[l] = GC.AllocateArray<float>(perLayer, pinned: true);
        }
    }

    internal Gpt2Config Config { get; }

    /// <summary>B: the number of sequences.</summary>
    public int Batch { get; }

    /// <summary>The most positions a sequence may reach (prompt plus fed-back tokens).</summary>
    public int Capacity { get; }

    /// <summary>Positions already cached per sequence; the next call's tokens sit at positions Length, Length + 1, ….</summary>
    public int Length { get; private set; }

    /// <summary>Bytes held by the keys and values.</summary>
    public long Bytes => 2L * _keys.Length * _keys[0].Length * sizeof(float);

    internal int Stride { get; }

    internal float[] Keys(int layer) => _keys[layer];

    internal float[] Values(int layer) => _values[layer];

    /// <summary>Forgets every cached position, so the buffers serve a new generation.</summary>
    public void Reset() => Length = 0;

    /// <summary>The scratch of the cached forward, kept with the cache so decode steps never swap workspaces.</summary>
    internal Gpt2Workspace Workspace(int rows)
    {
        if (_workspace is null || !_workspace.Fits(rows, 0)) _workspace = new Gpt2Workspace(Config, rows, 0);
        return _workspace;
    }

    /// <summary>Stores k and v [B·n, H·Dh] of <paramref name="layer"/> at positions [Length, Length + n).</summary>
    internal void Append(int layer, ReadOnlySpan<float> k, ReadOnlySpan<float> v, int n)
    {
        int heads = Config.Heads, dh = Config.HeadDim, width = heads * dh, stride = Stride, past = Length;
        var keys = _keys[layer];
        var values = _values[layer];
        for (var b = 0; b < Batch; b++)
        {
            for (var h = 0; h < heads; h++)
            {
                var slot = (b * heads + h) * dh * stride;
                for (var i = 0; i < n; i++)
                {
                    var row = (b * n + i) * width + h * dh;
                    var position = past + i;
                    for (var d = 0; d < dh; d++) keys[slot + d * stride + position] = k[row + d];
                    v.Slice(row, dh).CopyTo(values.AsSpan(slot + position * dh, dh));
                }
            }
        }
    }

    internal void Advance(int n) => Length += n;
}
