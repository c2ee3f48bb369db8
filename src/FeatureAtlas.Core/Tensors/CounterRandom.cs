namespace FeatureAtlas.Core.Tensors;

/// <summary>
/// Counter-based random numbers (splitmix64 of seed ⊕ stream ⊕ index): element i of a stream depends only on
/// (seed, stream, i), so large tensors fill in parallel and the result is identical for any thread count,
/// machine or .NET version (System.Random promises none of that).
/// </summary>
public static class CounterRandom
{
    /// <summary>A stream key for a named tensor: FNV-1a 64 of its name mixed with the seed.</summary>
    public static ulong Stream(ulong seed, string name)
    {
        var h = 0xcbf29ce484222325UL;
        foreach (var c in name)
        {
            h ^= c;
            h *= 0x100000001b3UL;
        }
        return Mix(h ^ Mix(seed));
    }

    /// <summary>Fills <paramref name="destination"/> with N(<paramref name="mean"/>, <paramref name="std"/>²) by Box–Muller.</summary>
    public static void FillNormal(Span<float> destination, ulong stream, float std, float mean = 0f)
    {
        for (var i = 0; i < destination.Length; i += 2)
        {
            var u1 = Uniform(stream, (ulong)i);
            var u2 = Uniform(stream, (ulong)i + 1);
            var radius = Math.Sqrt(-2.0 * Math.Log(u1));
            var angle = 2.0 * Math.PI * u2;
            destination[i] = (float)(mean + std * radius * Math.Cos(angle));
            if (i + 1 < destination.Length) destination[i + 1] = (float)(mean + std * radius * Math.Sin(angle));
        }
    }

    /// <summary>A double in (0, 1]: 53 random bits, never 0 so log() is safe.</summary>
    public static double Uniform(ulong stream, ulong index) => ((Mix(stream + (index + 1) * 0x9E3779B97F4A7C15UL) >> 11) + 1) * (1.0 / (1UL << 53));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
