namespace FeatureAtlas.Web;

/// <summary>
/// Which request keys were seen within a window, approximately: a fixed table of hashed keys and times, so memory
/// stays bounded whatever the traffic. Two keys that share a slot push each other out (a page then waits for its
/// next request to be cached), and a hash collision counts as seen (a page is cached one request early); neither
/// changes what a reader sees. Races between threads have the same two outcomes.
/// </summary>
public sealed class RecentRequests(int slots, TimeSpan window)
{
    private readonly int[] _hashes = new int[CheckPowerOfTwo(slots)];
    private readonly long[] _times = new long[slots];
    private readonly long _windowMs = (long)window.TotalMilliseconds;

    /// <summary>True when <paramref name="key"/> was seen within the window; either way, records it as seen now.</summary>
    public bool SeenBefore(string key)
    {
        var hash = StringComparer.Ordinal.GetHashCode(key);
        var slot = hash & (_hashes.Length - 1);
        var now = Environment.TickCount64;
        var seen = _hashes[slot] == hash && _times[slot] != 0 && now - _times[slot] <= _windowMs;
        _hashes[slot] = hash;
        _times[slot] = now;
        return seen;
    }

    private static int CheckPowerOfTwo(int slots) =>
        slots > 0 && (slots & (slots - 1)) == 0 ? slots : throw new ArgumentOutOfRangeException(nameof(slots), slots, "The slot count must be a power of two.");
}
