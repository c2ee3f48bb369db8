using System.Buffers;
using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Core.Dashboards;

public sealed partial class CorrelationAccumulator
{
    /// <summary>
    /// 3: pair sums in blocks of varint index gaps (<see cref="WritePairs"/>); 2: pair sums as (int64 index, float32)
    /// records; 1: Σ f·x written whole (151 MB at 24,576 × 768), not only the rows of features that fired.
    /// </summary>
    private const int CheckpointVersion = 3;

    /// <summary>Bytes of one version-2 pair sum: its index in the triangle (int64) and the sum (float32), little-endian.</summary>
    private const int PairBytesV2 = sizeof(long) + sizeof(float);

    /// <summary>Pair sums moved through one buffer at a time when reading version 2 (768 KB).</summary>
    private const int PairsPerChunkV2 = 1 << 16;

    /// <summary>A block of pair sums is closed once it holds this many bytes (256 KB).</summary>
    private const int PairBlockBytes = 1 << 18;

    /// <summary>The most bytes one pair record takes: a varint and a float32.</summary>
    private const int MaxPairRecordBytes = Varint.MaxBytes + sizeof(float);

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
        if (version is < 1 or > CheckpointVersion) throw new InvalidDataException($"Correlation checkpoint version {version}, expected 1 to {CheckpointVersion}.");
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
        if (!hasPairs) return;
        var count = reader.ReadInt64();
        if ((ulong)count > (ulong)_pairs!.LongLength) throw new InvalidDataException($"Checkpoint has {count} pair sums, at most {_pairs.LongLength} expected.");
        if (version < 3) ReadPairRecords(reader, count, add);
        else ReadPairs(reader, count, add);
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

    /// <summary>
    /// Each non-zero pair sum, in index order, in blocks: int32 records, int32 bytes, then the records, each the gap
    /// to its index from the previous one of its block (the first: from −1) less one, as an unsigned LEB128 varint,
    /// then the sum (float32, little-endian). Non-zero pairs lie a few dozen apart, so a gap is mostly one byte and a
    /// record five, against twelve with a whole index; the blocks let a reader decode from a buffer of known length.
    /// </summary>
    private void WritePairs(BinaryWriter writer)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(PairBlockBytes + MaxPairRecordBytes);
        try
        {
            var (used, records, previous) = (0, 0, -1L);
            foreach (var (start, length) in PairPieces())
            {
                var bits = PairBits(start, length);
                var at = 0;
                while (true)
                {
                    var next = bits[at..].IndexOfAnyExcept(0);
                    if (next < 0) break;
                    at += next;
                    var index = start + at;
                    used += Varint.Write(buffer.AsSpan(used), (ulong)(index - previous - 1));
                    BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(used), bits[at]);
                    used += sizeof(int);
                    records++;
                    previous = index;
                    if (used >= PairBlockBytes)
                    {
                        WriteBlock(writer, buffer, records, used);
                        (used, records, previous) = (0, 0, -1L);
                    }
                    at++;
                }
            }
            if (records > 0) WriteBlock(writer, buffer, records, used);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void WriteBlock(BinaryWriter writer, byte[] buffer, int records, int bytes)
    {
        writer.Write(records);
        writer.Write(bytes);
        writer.Write(buffer, 0, bytes);
    }

    /// <summary>Reads (or adds) the <paramref name="remaining"/> pair sums <see cref="WritePairs"/> wrote in blocks, checking every count and index.</summary>
    private void ReadPairs(BinaryReader reader, long remaining, bool add)
    {
        var pairs = _pairs!;
        var buffer = ArrayPool<byte>.Shared.Rent(PairBlockBytes + MaxPairRecordBytes);
        try
        {
            while (remaining > 0)
            {
                var (records, bytes) = (reader.ReadInt32(), reader.ReadInt32());
                if (records <= 0 || records > remaining || bytes <= 0 || bytes > PairBlockBytes + MaxPairRecordBytes)
                {
                    throw new InvalidDataException($"Checkpoint block of {records} pair sums in {bytes} bytes; {remaining} sums remain, blocks hold at most {PairBlockBytes + MaxPairRecordBytes} bytes.");
                }
                var block = buffer.AsSpan(0, bytes);
                Fill(reader, block);
                var (at, previous) = (0, -1L);
                for (var k = 0; k < records; k++)
                {
                    if (!Varint.TryRead(block, ref at, out var gap)) throw new InvalidDataException("Checkpoint block of pair sums ends inside a record.");
                    var index = previous + 1 + (long)Math.Min(gap, (ulong)pairs.LongLength);
                    if (index >= pairs.LongLength) throw new InvalidDataException($"Checkpoint pair index {previous + 1}+{gap} is outside [0, {pairs.LongLength}).");
                    if (at + sizeof(float) > bytes) throw new InvalidDataException("Checkpoint block of pair sums ends inside a record.");
                    var value = BinaryPrimitives.ReadSingleLittleEndian(block[at..]);
                    at += sizeof(float);
                    pairs[index] = add ? pairs[index] + value : value;
                    previous = index;
                }
                if (at != bytes) throw new InvalidDataException($"Checkpoint block of {records} pair sums holds {bytes} bytes, but its records take {at}.");
                remaining -= records;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Version 2's <paramref name="remaining"/> pair sums: (int64 index, float32 sum) records.</summary>
    private void ReadPairRecords(BinaryReader reader, long remaining, bool add)
    {
        var pairs = _pairs!;
        var buffer = ArrayPool<byte>.Shared.Rent(PairsPerChunkV2 * PairBytesV2);
        try
        {
            while (remaining > 0)
            {
                var count = (int)Math.Min(PairsPerChunkV2, remaining);
                var chunk = buffer.AsSpan(0, count * PairBytesV2);
                Fill(reader, chunk);
                for (var k = 0; k < count; k++)
                {
                    var record = chunk.Slice(k * PairBytesV2, PairBytesV2);
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
