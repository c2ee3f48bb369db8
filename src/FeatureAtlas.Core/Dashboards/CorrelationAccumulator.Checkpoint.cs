using System.Buffers;
using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace FeatureAtlas.Core.Dashboards;

public sealed partial class CorrelationAccumulator
{
    /// <summary>2: Σ f·x only for the features that fired (version 1 wrote all S·D sums, 151 MB at 24,576 × 768).</summary>
    private const int CheckpointVersion = 2;

    /// <summary>Bytes of one stored pair sum: its index in the triangle (int64) and the sum (float32), little-endian.</summary>
    private const int PairBytes = sizeof(long) + sizeof(float);

    /// <summary>Pair sums moved through one buffer at a time when writing or reading (768 KB).</summary>
    private const int PairsPerChunk = 1 << 16;

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
        writer.Write(NonZeroPairs());
        WritePairs(writer);
    }

    /// <summary>Restores sums written by <see cref="Write"/> for the same SAE and options; a mismatch is an error.</summary>
    public static CorrelationAccumulator Read(BinaryReader reader, DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var version = ReadVersion(reader);
        var accumulator = new CorrelationAccumulator(reader.ReadInt32(), reader.ReadInt32(), options) { Positions = reader.ReadInt64() };
        accumulator.ReadSums(reader, version, add: false);
        return accumulator;
    }

    /// <summary>
    /// Adds the sums of a checkpoint written by <see cref="Write"/> for the same SAE and options over other windows (a
    /// shard of the same corpus), straight from <paramref name="reader"/>: only the rows and pairs the checkpoint holds
    /// are touched, and no second accumulator is made (1.35 GB at 24,576 features, allocated, zeroed and added whole for
    /// every shard merged). Sums are associative only up to rounding: the merged tables equal a single pass's to float
    /// precision (~1e-7 relative), not bit for bit, unlike <see cref="FeatureAccumulator.Merge"/>. A checkpoint that does
    /// not fit throws, and may leave this accumulator part merged: discard it then.
    /// </summary>
    public void MergeFrom(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var version = ReadVersion(reader);
        var (features, inputs) = (reader.ReadInt32(), reader.ReadInt32());
        if (features != Features || inputs != Inputs)
        {
            throw new InvalidDataException($"Cannot merge correlations of {features} × {inputs} into {Features} × {Inputs}.");
        }
        var positions = reader.ReadInt64();
        ReadSums(reader, version, add: true);
        Positions += positions;
    }

    /// <summary>
    /// Zeroes every sum, as if new: a worker reuses one accumulator for its next shard, since clearing 1.35 GB in place
    /// costs a fraction of what a fresh allocation does (its pages faulted in, zeroed by the kernel, and unmapped again).
    /// </summary>
    public void Reset()
    {
        foreach (var array in new[] { _featureSum, _featureSquares, _neuronSum, _neuronSquares, _cross }) Array.Clear(array);
        if (_pairs is not null) Array.Clear(_pairs);
        Positions = 0;
    }

    private static int ReadVersion(BinaryReader reader)
    {
        var version = reader.ReadInt32();
        if (version is not (1 or CheckpointVersion)) throw new InvalidDataException($"Correlation checkpoint version {version}, expected 1 or {CheckpointVersion}.");
        return version;
    }

    /// <summary>Every sum after the header, stored into (or, with <paramref name="add"/>, added to) these.</summary>
    private void ReadSums(BinaryReader reader, int version, bool add)
    {
        // Version 1 wrote Σ f·x whole, after the other sums.
        double[][] whole = version == 1
            ? [_featureSum, _featureSquares, _neuronSum, _neuronSquares, _cross]
            : [_featureSum, _featureSquares, _neuronSum, _neuronSquares];
        foreach (var array in whole)
        {
            var length = reader.ReadInt64();
            if (length != array.LongLength) throw new InvalidDataException($"Checkpoint array of {length} sums, expected {array.LongLength}.");
            ReadDoubles(reader, array, add);
        }
        if (version != 1) ReadCrossRows(reader, add);
        var hasPairs = reader.ReadBoolean();
        if (hasPairs != HasFeatureCorrelations)
        {
            throw new InvalidDataException($"The checkpoint {(hasPairs ? "has" : "lacks")} feature-pair sums, but these options {(hasPairs ? "leave them out" : "keep them")}.");
        }
        if (hasPairs) ReadPairs(reader, add);
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

    private void ReadCrossRows(BinaryReader reader, bool add)
    {
        var rows = reader.ReadInt32();
        if ((uint)rows > (uint)Features) throw new InvalidDataException($"Checkpoint has {rows} rows of feature-input sums, at most {Features} expected.");
        var scratch = add ? new double[Inputs] : null;
        for (var k = 0; k < rows; k++)
        {
            var f = reader.ReadInt32();
            if ((uint)f >= (uint)Features) throw new InvalidDataException($"Checkpoint feature index {f} is outside [0, {Features}).");
            ReadInto(reader, CrossRow(f), scratch);
        }
    }

    /// <summary>Row <paramref name="feature"/> of Σ f·x: D sums.</summary>
    private Span<double> CrossRow(int feature)
    {
        var start = (long)feature * Inputs;
        return start + Inputs <= int.MaxValue ? _cross.AsSpan((int)start, Inputs) : MemoryMarshal.CreateSpan(ref _cross[start], Inputs);
    }

    /// <summary>
    /// The pair sums in pieces that fit a span, each seen as bits: a zero sum is all zero bits (sums of products of
    /// positive activations are never −0), so runs of zeros are skipped many at a time.
    /// </summary>
    private IEnumerable<(long Start, int Length)> PairPieces()
    {
        const int piece = 1 << 30;
        for (long start = 0; start < _pairs!.LongLength; start += piece) yield return (start, (int)Math.Min(piece, _pairs.LongLength - start));
    }

    private Span<int> PairBits(long start, int length) => MemoryMarshal.Cast<float, int>(MemoryMarshal.CreateSpan(ref _pairs![start], length));

    private long NonZeroPairs()
    {
        long nonzero = 0;
        foreach (var (start, length) in PairPieces())
        {
            var bits = PairBits(start, length);
            nonzero += length - bits.Count(0);
        }
        return nonzero;
    }

    /// <summary>Each non-zero pair sum as its index and value, gathered into a buffer and written a chunk at a time.</summary>
    private void WritePairs(BinaryWriter writer)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(PairsPerChunk * PairBytes);
        try
        {
            var used = 0;
            foreach (var (start, length) in PairPieces())
            {
                var bits = PairBits(start, length);
                var at = 0;
                while (true)
                {
                    var next = bits[at..].IndexOfAnyExcept(0);
                    if (next < 0) break;
                    at += next;
                    var record = buffer.AsSpan(used, PairBytes);
                    BinaryPrimitives.WriteInt64LittleEndian(record, start + at);
                    BinaryPrimitives.WriteInt32LittleEndian(record[sizeof(long)..], bits[at]);
                    used += PairBytes;
                    if (used == PairsPerChunk * PairBytes)
                    {
                        writer.Write(buffer, 0, used);
                        used = 0;
                    }
                    at++;
                }
            }
            writer.Write(buffer, 0, used);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ReadPairs(BinaryReader reader, bool add)
    {
        var pairs = _pairs!;
        var remaining = reader.ReadInt64();
        if ((ulong)remaining > (ulong)pairs.LongLength) throw new InvalidDataException($"Checkpoint has {remaining} pair sums, at most {pairs.LongLength} expected.");
        var buffer = ArrayPool<byte>.Shared.Rent(PairsPerChunk * PairBytes);
        try
        {
            while (remaining > 0)
            {
                var count = (int)Math.Min(PairsPerChunk, remaining);
                var chunk = buffer.AsSpan(0, count * PairBytes);
                Fill(reader, chunk);
                for (var k = 0; k < count; k++)
                {
                    var record = chunk.Slice(k * PairBytes, PairBytes);
                    var i = BinaryPrimitives.ReadInt64LittleEndian(record);
                    if ((ulong)i >= (ulong)pairs.LongLength) throw new InvalidDataException($"Checkpoint pair index {i} is outside [0, {pairs.LongLength}).");
                    var value = BinaryPrimitives.ReadSingleLittleEndian(record[sizeof(long)..]);
                    pairs[i] = add ? pairs[i] + value : value;
                }
                remaining -= count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
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

    /// <summary>Reads <paramref name="values"/>' length of doubles (after its length, checked by the caller) into it, or adds them.</summary>
    private static void ReadDoubles(BinaryReader reader, double[] values, bool add)
    {
        const int chunk = 1 << 16;
        var scratch = add ? new double[(int)Math.Min(chunk, values.LongLength)] : null;
        for (long i = 0; i < values.LongLength; i += chunk)
        {
            ReadInto(reader, values.AsSpan((int)i, (int)Math.Min(chunk, values.LongLength - i)), scratch);
        }
    }

    /// <summary>
    /// Reads <paramref name="target"/>'s length of doubles into it, or, given a <paramref name="scratch"/> at least as
    /// long, into that and adds them to it.
    /// </summary>
    private static void ReadInto(BinaryReader reader, Span<double> target, double[]? scratch)
    {
        if (scratch is null)
        {
            Fill(reader, MemoryMarshal.AsBytes(target));
            return;
        }
        var theirs = scratch.AsSpan(0, target.Length);
        Fill(reader, MemoryMarshal.AsBytes(theirs));
        TensorPrimitives.Add(target, theirs, target);
    }

    /// <summary>Fills <paramref name="span"/> from the reader, or says that the checkpoint ends early.</summary>
    private static void Fill(BinaryReader reader, Span<byte> span)
    {
        while (!span.IsEmpty)
        {
            var read = reader.Read(span);
            if (read == 0) throw new EndOfStreamException("The correlation checkpoint ends early.");
            span = span[read..];
        }
    }
}
