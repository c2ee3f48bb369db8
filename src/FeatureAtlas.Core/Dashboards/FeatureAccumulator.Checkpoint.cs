namespace FeatureAtlas.Core.Dashboards;

public sealed partial class FeatureAccumulator
{
    private const int CheckpointVersion = 1;

    /// <summary>Writes the whole state; <see cref="Read"/> of it continues exactly where this left off.</summary>
    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(CheckpointVersion);
        writer.Write(Features);
        writer.Write(TotalTokens);
        writer.Write(Windows);
        for (var f = 0; f < Features; f++)
        {
            var state = _states[f];
            writer.Write(state is not null);
            if (state is null) continue;
            writer.Write(state.Count);
            writer.Write(state.Max);
            writer.Write(state.Min);
            writer.Write(state.Exponent);
            foreach (var count in state.Fine) writer.Write(count);
            writer.Write(state.TopCount);
            for (var i = 0; i < state.TopCount; i++) WriteEntry(writer, state.Top[i]);
            for (var s = 0; s < SampleStrata; s++)
            {
                writer.Write(state.SampleCounts[s]);
                for (var k = 0; k < state.SampleCounts[s]; k++) WriteEntry(writer, state.Samples[s * state.SamplesPerStratum + k]);
            }
        }
    }

    /// <summary>Restores a state written by <see cref="Write"/> with the same options; a mismatch is an error.</summary>
    public static FeatureAccumulator Read(BinaryReader reader, DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var version = reader.ReadInt32();
        if (version != CheckpointVersion) throw new InvalidDataException($"Dashboard checkpoint version {version}, expected {CheckpointVersion}.");
        var accumulator = new FeatureAccumulator(reader.ReadInt32(), options)
        {
            TotalTokens = reader.ReadInt64(),
            Windows = reader.ReadInt32(),
        };
        for (var f = 0; f < accumulator.Features; f++)
        {
            if (!reader.ReadBoolean()) continue;
            var state = accumulator._states[f] = new FeatureState(options)
            {
                Count = reader.ReadInt64(),
                Max = reader.ReadSingle(),
                Min = reader.ReadSingle(),
                Exponent = reader.ReadInt32(),
            };
            for (var j = 0; j < FineBins; j++) state.Fine[j] = reader.ReadInt64();
            state.TopCount = reader.ReadInt32();
            if (state.TopCount > state.Top.Length) throw new InvalidDataException($"Checkpoint holds {state.TopCount} top examples, options allow {state.Top.Length}.");
            for (var i = 0; i < state.TopCount; i++) state.Top[i] = ReadEntry(reader);
            for (var s = 0; s < SampleStrata; s++)
            {
                var count = reader.ReadInt32();
                if (count > state.SamplesPerStratum) throw new InvalidDataException($"Checkpoint holds {count} samples per stratum, options allow {state.SamplesPerStratum}.");
                state.SampleCounts[s] = count;
                for (var k = 0; k < count; k++) state.Samples[s * state.SamplesPerStratum + k] = ReadEntry(reader);
            }
        }
        return accumulator;
    }

    private static void WriteEntry(BinaryWriter writer, Entry entry)
    {
        writer.Write(entry.Value);
        writer.Write(entry.Window);
        writer.Write(entry.Position);
        writer.Write(entry.Key);
        writer.Write(entry.Vector.Positions.Length);
        foreach (var p in entry.Vector.Positions) writer.Write((ushort)p);
        foreach (var v in entry.Vector.Values) writer.Write(v);
    }

    private static Entry ReadEntry(BinaryReader reader)
    {
        var value = reader.ReadSingle();
        var window = reader.ReadInt32();
        var position = reader.ReadInt32();
        var key = reader.ReadUInt64();
        var count = reader.ReadInt32();
        var positions = new int[count];
        var values = new float[count];
        for (var i = 0; i < count; i++) positions[i] = reader.ReadUInt16();
        for (var i = 0; i < count; i++) values[i] = reader.ReadSingle();
        return new Entry(value, window, position, key, new WindowActivations(positions, values));
    }
}
