namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// The pseudo-random key that decides which activations an interval samples: a pure function of
/// (seed, feature, window, position), so samples do not depend on processing order, threads or resumption,
/// and a brute-force reference (tests/reference/make_dashboard_golden.py) can recompute them.
/// key = mix(mix(seed + φ·(feature + 1)) ⊕ (window·2¹⁶ + position)), φ = 0x9E3779B97F4A7C15, mix = splitmix64's finaliser.
/// </summary>
public static class SamplingKey
{
    public static ulong Of(ulong seed, int feature, int window, int position) =>
        Mix(Mix(unchecked(seed + 0x9E3779B97F4A7C15UL * (ulong)(feature + 1))) ^ (((ulong)(uint)window << 16) | (ushort)position));

    private static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
