using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Core.Circuits;

/// <summary>
/// The top N tokens and probabilities of softmax(x·W_U + b_U) for many rows x at once, without holding the [R, V]
/// logits: the unembedding runs a block of vocabulary columns at a time for every row (one GEMM call per block, so
/// W_U streams from memory once for all rows rather than once per layer), and each block is folded into a running
/// max, a running Σ exp and the best N logits of each row while it is still in cache. At 768 rows (12 layers × 64
/// positions of GPT-2 small) a block is ~1,300 columns, 4 MiB of logits, inside the 8 MiB L3.
/// </summary>
internal static class LensReadout
{
    private const int BlockFloats = 1 << 20;

    /// <summary>Top <paramref name="top"/> of each row of <paramref name="x"/> [rows, D] (ln_final already applied), most likely first; ties: lower id first.</summary>
    public static LensToken[][] Top(Gpt2Model model, ReadOnlySpan<float> x, int rows, int top)
    {
        var v = model.Config.Vocab;
        var align = Sgemm.ColumnAlignment;
        var width = Math.Clamp(BlockFloats / rows / align * align, align, (v + align - 1) / align * align);
        var states = new RowState[rows];
        for (var r = 0; r < rows; r++) states[r] = new RowState(top);
        var block = ArrayPool<float>.Shared.Rent(rows * width);
        var workers = Math.Max(1, Math.Min(Sgemm.Parallelism, rows));
        try
        {
            for (var first = 0; first < v; first += width)
            {
                var columns = Math.Min(width, v - first);
                Sgemm.MultiplyColumns(x, model.Unembedding, first, columns, block, rows, model.Weights.BU);
                var start = first;
                Parallel.For(0, workers, w =>
                {
                    var scratch = new float[columns];
                    for (var r = w * rows / workers; r < (w + 1) * rows / workers; r++)
                    {
                        states[r].Add(block.AsSpan(r * columns, columns), start, scratch);
                    }
                });
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(block);
        }
        return states.Select(s => s.Finish()).ToArray();
    }

    /// <summary>One row's running softmax statistics and its best logits so far.</summary>
    private sealed class RowState(int n)
    {
        private readonly float[] _logits = new float[n];
        private readonly int[] _ids = new int[n];
        private int _count;
        private float _max = float.NegativeInfinity;
        private double _sum;

        public void Add(ReadOnlySpan<float> logits, int first, Span<float> scratch)
        {
            var blockMax = TensorPrimitives.Max(logits);
            if (blockMax > _max)
            {
                _sum *= Math.Exp(_max - blockMax);
                _max = blockMax;
            }
            var exp = scratch[..logits.Length];
            TensorPrimitives.Subtract(logits, _max, exp);
            TensorPrimitives.Exp(exp, exp);
            _sum += TensorPrimitives.Sum(exp);

            var n = _logits.Length;
            for (var i = 0; i < logits.Length; i++)
            {
                // Once the list is full, eight logits at a time that all fall short of its last entry are skipped at once.
                if (_count == n && Vector256.IsHardwareAccelerated && i + 8 <= logits.Length
                    && !Vector256.GreaterThanAny(Vector256.Create(logits.Slice(i, 8)), Vector256.Create(_logits[n - 1])))
                {
                    i += 7;
                    continue;
                }
                var z = logits[i];
                if (_count == n && !(z > _logits[n - 1])) continue;
                var j = _count < n ? _count++ : n - 1;
                while (j > 0 && z > _logits[j - 1])
                {
                    _logits[j] = _logits[j - 1];
                    _ids[j] = _ids[j - 1];
                    j--;
                }
                _logits[j] = z;
                _ids[j] = first + i;
            }
        }

        public LensToken[] Finish()
        {
            var result = new LensToken[_count];
            for (var i = 0; i < _count; i++) result[i] = new LensToken(_ids[i], (float)(Math.Exp(_logits[i] - _max) / _sum));
            return result;
        }
    }
}
