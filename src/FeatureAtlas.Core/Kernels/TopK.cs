namespace FeatureAtlas.Core.Kernels;

/// <summary>Top-k selection over one row of pre-activations, as SAELens's TopK activation.</summary>
internal static class TopK
{
    [ThreadStatic] private static float[]? t_scratch;

    /// <summary>
    /// Keeps the k largest entries of <paramref name="row"/> (ReLU applied to them) and zeroes the rest.
    /// Ties at the k-th value keep the lowest indices. O(S) average via quickselect on a scratch copy.
    /// </summary>
    public static void KeepLargest(Span<float> row, int k)
    {
        if (k >= row.Length)
        {
            for (var i = 0; i < row.Length; i++) row[i] = MathF.Max(row[i], 0f);
            return;
        }
        // A reused per-thread scratch: a fresh 96 KB array per row would land on the large-object heap.
        var scratch = (t_scratch is { } buffer && buffer.Length >= row.Length ? buffer : t_scratch = new float[row.Length]).AsSpan(0, row.Length);
        row.CopyTo(scratch);
        var kth = Select(scratch, k - 1);

        var above = 0;
        foreach (var value in row) if (value > kth) above++;
        var tiesToKeep = k - above;
        for (var i = 0; i < row.Length; i++)
        {
            var value = row[i];
            if (value > kth || (value == kth && tiesToKeep-- > 0)) row[i] = MathF.Max(value, 0f);
            else row[i] = 0f;
        }
    }

    /// <summary>The value that would sit at <paramref name="rank"/> if <paramref name="values"/> were sorted descending.</summary>
    internal static float Select(Span<float> values, int rank)
    {
        int lo = 0, hi = values.Length - 1;
        while (lo < hi)
        {
            var pivot = MedianOfThree(values[lo], values[lo + (hi - lo) / 2], values[hi]);
            int i = lo, j = hi;
            while (i <= j)
            {
                while (values[i] > pivot) i++;
                while (values[j] < pivot) j--;
                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }
            if (rank <= j) hi = j;
            else if (rank >= i) lo = i;
            else return values[rank];
        }
        return values[rank];
    }

    private static float MedianOfThree(float a, float b, float c) => MathF.Max(MathF.Min(a, b), MathF.Min(MathF.Max(a, b), c));
}
