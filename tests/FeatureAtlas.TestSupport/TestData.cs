namespace FeatureAtlas.TestSupport;

/// <summary>Seeded random inputs and tolerance checks shared by the tests.</summary>
public static class TestData
{
    public static float[] Uniform(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var data = new float[length];
        for (var i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return data;
    }

    /// <summary>
    /// Asserts |actual − expected| ≤ tolerance · max|expected| element-wise (the engine's parity criterion:
    /// 1e-4 relative to the tensor's largest value), naming the first offending index.
    /// </summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}.");
        double max = 0;
        foreach (var e in expected) max = Math.Max(max, Math.Abs(e));
        var bound = tolerance * Math.Max(max, 1e-30);
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= bound))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]}, expected {expected[i]} (error {error:G3} > {bound:G3} = {tolerance} × max |expected| {max:G4}).");
            }
        }
    }
}
