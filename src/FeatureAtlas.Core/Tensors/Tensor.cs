namespace FeatureAtlas.Core.Tensors;

/// <summary>
/// A dense row-major f32 tensor: the unit in which activations leave the engine (caches, SAE outputs,
/// command-line JSON). Hot paths work on spans of <see cref="Data"/>, never on this type's indexers.
/// </summary>
public sealed class Tensor
{
    public Tensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (var dim in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dim, nameof(shape));
            count *= dim;
        }
        if (count != data.Length)
        {
            throw new ArgumentException(
                $"Shape [{string.Join(", ", shape)}] holds {count} elements but the data has {data.Length}.", nameof(data));
        }
        Data = data;
        Shape = shape;
    }

    /// <summary>A zero-filled tensor of the given shape.</summary>
    public static Tensor Zeros(params int[] shape)
    {
        long count = 1;
        foreach (var dim in shape) count *= dim;
        return new Tensor(new float[checked((int)count)], shape);
    }

    public float[] Data { get; }

    public int[] Shape { get; }

    public int Rank => Shape.Length;

    public int Length => Data.Length;

    public Span<float> Span => Data;

    /// <summary>The contiguous row at <paramref name="index"/> along the first axis.</summary>
    public Span<float> Row(int index)
    {
        var rowLength = Shape.Length == 0 ? 1 : Data.Length / Math.Max(1, Shape[0]);
        return Data.AsSpan(index * rowLength, rowLength);
    }

    public string ShapeString => $"[{string.Join(", ", Shape)}]";

    public override string ToString() => $"Tensor{ShapeString}";
}
