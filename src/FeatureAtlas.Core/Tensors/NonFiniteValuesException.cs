using System.Globalization;
using System.Numerics.Tensors;

namespace FeatureAtlas.Core.Tensors;

/// <summary>
/// A tensor that should be reported holds Infinity or NaN: the model's or SAE's weights overflow float32 on this
/// input. JSON has no Infinity or NaN, so such values cannot be written as numbers; this error says which tensor went
/// non-finite and where, instead of a serializer's message. The CLI prints it as one line (exit 1), the web answers
/// ProblemDetails titled <see cref="Title"/>.
/// </summary>
public sealed class NonFiniteValuesException : ArithmeticException
{
    /// <summary>The one-line title the web uses for this error.</summary>
    public const string Title = "Non-finite activations";

    public NonFiniteValuesException(string tensor, string message)
        : base(message) => Tensor = tensor;

    /// <summary>The hook point, SAE or output that went non-finite (e.g. <c>blocks.1.hook_resid_pre</c>).</summary>
    public string Tensor { get; }

    /// <summary>
    /// Throws when any of <paramref name="values"/> (row-major rows of <paramref name="rowLength"/>, one per token) is
    /// Infinity or NaN, naming <paramref name="tensor"/> and the first such token and index.
    /// </summary>
    public static void ThrowIfAny(ReadOnlySpan<float> values, int rowLength, string tensor)
    {
        if (!TensorPrimitives.IsFiniteAll(values)) throw For(values, rowLength, tensor);
    }

    /// <summary>
    /// The error for <paramref name="values"/>, which hold a non-finite value; for callers that build the tensor's name
    /// only then (hot paths check <see cref="TensorPrimitives.IsFiniteAll{T}(ReadOnlySpan{T})"/> first and allocate nothing).
    /// </summary>
    public static NonFiniteValuesException For(ReadOnlySpan<float> values, int rowLength, string tensor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowLength, 1);
        var at = FirstNonFinite(values);
        var value = values[at];
        var kind = float.IsNaN(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity";
        return new NonFiniteValuesException(tensor, string.Create(CultureInfo.InvariantCulture,
            $"Non-finite activations: {tensor} is {kind} at token {at / rowLength}{(rowLength > 1 ? $", index {at % rowLength}" : "")}; the model or SAE overflows float32 on this input, and JSON has no Infinity or NaN."));
    }

    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i])) return i;
        }
        throw new ArgumentException("Every value is finite.", nameof(values));
    }
}
