using System.Runtime.InteropServices;

namespace FeatureAtlas.Core.Dashboards;

public sealed partial class CorrelationAccumulator
{
    private const int CheckpointVersion = 1;

    /// <summary>Writes every sum; pair sums only where non-zero (most feature pairs never fire together).</summary>
    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(CheckpointVersion);
        writer.Write(Features);
        writer.Write(Inputs);
        writer.Write(Positions);
        foreach (var array in new[] { _featureSum, _featureSquares, _neuronSum, _neuronSquares, _cross }) WriteDoubles(writer, array);
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
        if (version != CheckpointVersion) throw new InvalidDataException($"Correlation checkpoint version {version}, expected {CheckpointVersion}.");
        var accumulator = new CorrelationAccumulator(reader.ReadInt32(), reader.ReadInt32(), options) { Positions = reader.ReadInt64() };
        foreach (var array in new[] { accumulator._featureSum, accumulator._featureSquares, accumulator._neuronSum, accumulator._neuronSquares, accumulator._cross })
        {
            ReadDoubles(reader, array);
        }
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
