using System.Runtime.InteropServices;

namespace FeatureAtlas.Core.Dashboards;

public sealed partial class CorrelationAccumulator
{
    /// <summary>2: Σ f·x only for the features that fired (version 1 wrote all S·D sums, 151 MB at 24,576 × 768).</summary>
    private const int CheckpointVersion = 2;

    /// <summary>
    /// Writes every sum, in proportion to what was seen: Σ f·x rows only for features that fired (a shard of a few
    /// windows sees a fraction of a wide SAE's features; a zero row stays zero when merged), pair sums only where
    /// non-zero (most feature pairs never fire together). The sums are written whole (doubles), so a merge adds
    /// exactly what a single accumulator would hold.
    /// </summary>
    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(CheckpointVersion);
        writer.Write(Features);
        writer.Write(Inputs);
        writer.Write(Positions);
        foreach (var array in new[] { _featureSum, _featureSquares, _neuronSum, _neuronSquares }) WriteDoubles(writer, array);
        WriteCrossRows(writer);
        writer.Write(_pairs is not null);
        if (_pairs is null) return;
        long nonzero = 0;
        foreach (var v in _pairs) if (v != 0f) nonzero++;
        writer.Write(nonzero);
        for (long i = 0; i < _pairs.LongLength; i++)
        {
            if (_pairs[i] == 0f) continue;
            writer.Write(i);
            writer.Write(_pairs[i]);
        }
    }

    /// <summary>Restores sums written by <see cref="Write"/> for the same SAE and options; a mismatch is an error.</summary>
    public static CorrelationAccumulator Read(BinaryReader reader, DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var version = reader.ReadInt32();
        if (version is not (1 or CheckpointVersion)) throw new InvalidDataException($"Correlation checkpoint version {version}, expected 1 or {CheckpointVersion}.");
        var accumulator = new CorrelationAccumulator(reader.ReadInt32(), reader.ReadInt32(), options) { Positions = reader.ReadInt64() };
        foreach (var array in new[] { accumulator._featureSum, accumulator._featureSquares, accumulator._neuronSum, accumulator._neuronSquares })
        {
            ReadDoubles(reader, array);
        }
        if (version == 1) ReadDoubles(reader, accumulator._cross);
        else accumulator.ReadCrossRows(reader);
        var hasPairs = reader.ReadBoolean();
        if (hasPairs != accumulator.HasFeatureCorrelations)
        {
            throw new InvalidDataException($"The checkpoint {(hasPairs ? "has" : "lacks")} feature-pair sums, but these options {(hasPairs ? "leave them out" : "keep them")}.");
        }
        if (!hasPairs) return accumulator;
        var pairs = accumulator._pairs!;
        var nonzero = reader.ReadInt64();
        for (long k = 0; k < nonzero; k++)
        {
            var i = reader.ReadInt64();
            if ((ulong)i >= (ulong)pairs.LongLength) throw new InvalidDataException($"Checkpoint pair index {i} is outside [0, {pairs.LongLength}).");
            pairs[i] = reader.ReadSingle();
        }
        return accumulator;
    }

    /// <summary>The count of non-zero rows of Σ f·x [S, D], then each as its feature index and D sums.</summary>
    private void WriteCrossRows(BinaryWriter writer)
    {
        var rows = new List<int>();
        for (var f = 0; f < Features; f++)
        {
            if (CrossRow(f).ContainsAnyExcept(0d)) rows.Add(f);
        }
        writer.Write(rows.Count);
        foreach (var f in rows)
        {
            writer.Write(f);
            writer.Write(MemoryMarshal.AsBytes(CrossRow(f)));
        }
    }

    private void ReadCrossRows(BinaryReader reader)
    {
        var rows = reader.ReadInt32();
        if ((uint)rows > (uint)Features) throw new InvalidDataException($"Checkpoint has {rows} rows of feature-input sums, at most {Features} expected.");
        for (var k = 0; k < rows; k++)
        {
            var f = reader.ReadInt32();
            if ((uint)f >= (uint)Features) throw new InvalidDataException($"Checkpoint feature index {f} is outside [0, {Features}).");
            var span = MemoryMarshal.AsBytes(CrossRow(f));
            while (!span.IsEmpty)
            {
                var read = reader.Read(span);
                if (read == 0) throw new EndOfStreamException("The correlation checkpoint ends early.");
                span = span[read..];
            }
        }
    }

    /// <summary>Row <paramref name="feature"/> of Σ f·x: D sums.</summary>
    private Span<double> CrossRow(int feature)
    {
        var start = (long)feature * Inputs;
        return start + Inputs <= int.MaxValue ? _cross.AsSpan((int)start, Inputs) : MemoryMarshal.CreateSpan(ref _cross[start], Inputs);
    }

    private static void WriteDoubles(BinaryWriter writer, double[] values)
    {
        writer.Write(values.LongLength);
        const int chunk = 1 << 20;
        for (long i = 0; i < values.LongLength; i += chunk)
        {
            writer.Write(MemoryMarshal.AsBytes(values.AsSpan((int)i, (int)Math.Min(chunk, values.LongLength - i))));
        }
    }

    private static void ReadDoubles(BinaryReader reader, double[] values)
    {
        var length = reader.ReadInt64();
        if (length != values.LongLength) throw new InvalidDataException($"Checkpoint array of {length} sums, expected {values.LongLength}.");
        const int chunk = 1 << 20;
        for (long i = 0; i < length; i += chunk)
        {
            var span = MemoryMarshal.AsBytes(values.AsSpan((int)i, (int)Math.Min(chunk, length - i)));
            while (!span.IsEmpty)
            {
                var read = reader.Read(span);
                if (read == 0) throw new EndOfStreamException("The correlation checkpoint ends early.");
                span = span[read..];
            }
        }
    }
}
