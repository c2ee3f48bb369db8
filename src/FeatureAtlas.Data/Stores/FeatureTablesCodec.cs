using System.Buffers.Binary;
using FeatureAtlas.Core.Dashboards;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// One feature's <see cref="FeatureTables"/> as a blob, identical on every provider: a version byte, then for
/// neuron alignment, correlated neurons and correlated features in turn an int32 row count r, r int32 indices
/// and two runs of r float32 (value and L1 share; Pearson and cosine), all little-endian.
/// </summary>
internal static class FeatureTablesCodec
{
    private const byte Version = 1;

    public static byte[] Encode(FeatureTables tables, string field)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var parts = Parts(tables);
        foreach (var (indices, first, second, name) in parts)
        {
            if (first.Length != indices.Length || second.Length != indices.Length)
            {
                throw new ArgumentException($"{field}: the {name} table has {indices.Length} indices but {first.Length} and {second.Length} values.", nameof(tables));
            }
        }
        var blob = new byte[1 + parts.Sum(p => 4 + 12 * p.Indices.Length)];
        blob[0] = Version;
        var at = 1;
        foreach (var (indices, first, second, _) in parts)
        {
            BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(at), indices.Length);
            at += 4;
            foreach (var i in indices) { BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(at), i); at += 4; }
            foreach (var v in first) { BinaryPrimitives.WriteSingleLittleEndian(blob.AsSpan(at), v); at += 4; }
            foreach (var v in second) { BinaryPrimitives.WriteSingleLittleEndian(blob.AsSpan(at), v); at += 4; }
        }
        return blob;
    }

    public static FeatureTables Decode(byte[] blob, string field)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (blob.Length < 1 || blob[0] != Version) throw new InvalidDataException($"{field}: feature tables version {(blob.Length < 1 ? "missing" : blob[0])}, expected {Version}.");
        var at = 1;
        var tables = new (int[] Indices, float[] First, float[] Second)[3];
        for (var t = 0; t < 3; t++)
        {
            if (blob.Length < at + 4) throw new InvalidDataException($"{field}: feature tables blob ends at byte {blob.Length}, inside table {t}.");
            var rows = BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(at));
            at += 4;
            if (rows < 0 || blob.Length < at + 12L * rows) throw new InvalidDataException($"{field}: feature table {t} claims {rows} rows, the blob holds {blob.Length - at} more bytes.");
            var indices = new int[rows];
            var first = new float[rows];
            var second = new float[rows];
            for (var i = 0; i < rows; i++) { indices[i] = BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(at)); at += 4; }
            for (var i = 0; i < rows; i++) { first[i] = BinaryPrimitives.ReadSingleLittleEndian(blob.AsSpan(at)); at += 4; }
            for (var i = 0; i < rows; i++) { second[i] = BinaryPrimitives.ReadSingleLittleEndian(blob.AsSpan(at)); at += 4; }
            tables[t] = (indices, first, second);
        }
        if (at != blob.Length) throw new InvalidDataException($"{field}: {blob.Length - at} bytes follow the feature tables.");
        return new FeatureTables
        {
            NeuronAlignmentIndices = tables[0].Indices,
            NeuronAlignmentValues = tables[0].First,
            NeuronAlignmentL1 = tables[0].Second,
            CorrelatedNeuronsIndices = tables[1].Indices,
            CorrelatedNeuronsPearson = tables[1].First,
            CorrelatedNeuronsCosine = tables[1].Second,
            CorrelatedFeaturesIndices = tables[2].Indices,
            CorrelatedFeaturesPearson = tables[2].First,
            CorrelatedFeaturesCosine = tables[2].Second,
        };
    }

    private static (int[] Indices, float[] First, float[] Second, string Name)[] Parts(FeatureTables t) =>
    [
        (t.NeuronAlignmentIndices, t.NeuronAlignmentValues, t.NeuronAlignmentL1, "neuron alignment"),
        (t.CorrelatedNeuronsIndices, t.CorrelatedNeuronsPearson, t.CorrelatedNeuronsCosine, "correlated neurons"),
        (t.CorrelatedFeaturesIndices, t.CorrelatedFeaturesPearson, t.CorrelatedFeaturesCosine, "correlated features"),
    ];
}
