using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// The feature's direct effect on the logits, ℓ = d_f · W_U with d_f the unit-norm decoder row taken to the
/// residual stream (no final layer norm): the top and bottom token ids with their values, and a histogram of
/// all V entries.
/// </summary>
public sealed record LogitTable(int[] PositiveTokens, float[] PositiveValues, int[] NegativeTokens, float[] NegativeValues, Histogram Histogram)
{
    /// <summary>Writes the table exactly (a sharded build computes tables on one worker and stores them on another).</summary>
    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        WriteArray(writer, PositiveTokens, writer.Write);
        WriteArray(writer, PositiveValues, writer.Write);
        WriteArray(writer, NegativeTokens, writer.Write);
        WriteArray(writer, NegativeValues, writer.Write);
        WriteArray(writer, Histogram.BarValues, writer.Write);
        WriteArray(writer, Histogram.BarHeights, writer.Write);
    }

    /// <summary>A table written by <see cref="Write"/>; <paramref name="source"/> names what is read in errors.</summary>
    public static LogitTable Read(BinaryReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var positive = ReadArray(reader, source, "positive tokens", reader.ReadInt32);
        var positiveValues = ReadArray(reader, source, "positive values", reader.ReadSingle);
        var negative = ReadArray(reader, source, "negative tokens", reader.ReadInt32);
        var negativeValues = ReadArray(reader, source, "negative values", reader.ReadSingle);
        var bars = ReadArray(reader, source, "histogram bars", reader.ReadDouble);
        var heights = ReadArray(reader, source, "histogram heights", reader.ReadInt64);
        if (positive.Length != positiveValues.Length || negative.Length != negativeValues.Length || bars.Length != heights.Length)
        {
            throw new InvalidDataException($"{source}: a logit table's indices and values differ in length.");
        }
        return new LogitTable(positive, positiveValues, negative, negativeValues, bars.Length == 0 ? Histogram.Empty : new Histogram(bars, heights));
    }

    private const int MaxLength = 1 << 20;   // a vocabulary's worth of entries is far more than any table holds

    private static void WriteArray<T>(BinaryWriter writer, T[] values, Action<T> write)
    {
        writer.Write(values.Length);
        foreach (var value in values) write(value);
    }

    private static T[] ReadArray<T>(BinaryReader reader, string source, string field, Func<T> read)
    {
        var length = reader.ReadInt32();
        if (length is < 0 or > MaxLength) throw new InvalidDataException($"{source}: a logit table's {field} has length {length}, expected 0 to {MaxLength}.");
        var values = new T[length];
        for (var i = 0; i < length; i++) values[i] = read();
        return values;
    }
}
