using System.Runtime.InteropServices;

namespace FeatureAtlas.Core.Training;

/// <summary>
/// A bounded pool of activation rows [Capacity, Width] that hands out random rows without replacement, so a
/// batch mixes tokens from many windows (SAELens's activation store shuffles its buffer for the same reason:
/// consecutive tokens of one text are strongly correlated). Memory stays Capacity·Width floats. The random
/// state is part of <see cref="Write"/>, so a resumed run draws exactly what an uninterrupted one would.
/// </summary>
public sealed class ShuffleBuffer
{
    private readonly float[] _data;     // [Capacity, Width]
    private ulong _state;

    public ShuffleBuffer(int capacity, int width, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        Capacity = capacity;
        Width = width;
        _data = new float[checked(capacity * width)];
        _state = seed ^ 0x5DEECE66DUL;
    }

    public int Capacity { get; }

    public int Width { get; }

    public int Count { get; private set; }

    public int Free => Capacity - Count;

    /// <summary>The rows held now, in slot order [Count, Width].</summary>
    public ReadOnlySpan<float> Rows => _data.AsSpan(0, Count * Width);

    /// <summary>Appends whole rows; there must be room for them.</summary>
    public void Add(ReadOnlySpan<float> rows)
    {
        if (rows.Length % Width != 0) throw new ArgumentException($"Rows must be a multiple of the width {Width}.", nameof(rows));
        var count = rows.Length / Width;
        if (count > Free) throw new InvalidOperationException($"The buffer has room for {Free} rows, not {count}.");
        rows.CopyTo(_data.AsSpan(Count * Width));
        Count += count;
    }

    /// <summary>Moves <paramref name="rows"/> random rows into <paramref name="destination"/> [rows, Width], freeing their slots.</summary>
    public void Take(Span<float> destination, int rows)
    {
        if (rows > Count) throw new InvalidOperationException($"The buffer holds {Count} rows, not {rows}.");
        if (destination.Length < rows * Width) throw new ArgumentException($"The destination needs {rows * Width} values.", nameof(destination));
        for (var r = 0; r < rows; r++)
        {
            var pick = (int)(Next() % (ulong)Count);
            _data.AsSpan(pick * Width, Width).CopyTo(destination.Slice(r * Width, Width));
            Count--;
            if (pick != Count) _data.AsSpan(Count * Width, Width).CopyTo(_data.AsSpan(pick * Width, Width));
        }
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(Capacity);
        writer.Write(Width);
        writer.Write(Count);
        writer.Write(_state);
        writer.Write(MemoryMarshal.AsBytes(Rows));
    }

    public static ShuffleBuffer Read(BinaryReader reader)
    {
        var buffer = new ShuffleBuffer(reader.ReadInt32(), reader.ReadInt32(), 0);
        buffer.Count = reader.ReadInt32();
        buffer._state = reader.ReadUInt64();
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(buffer._data.AsSpan(0, buffer.Count * buffer.Width)));
        return buffer;
    }

    private ulong Next()
    {
        // splitmix64: a serialisable one-word state, unlike System.Random.
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
