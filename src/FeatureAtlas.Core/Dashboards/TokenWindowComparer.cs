namespace FeatureAtlas.Core.Dashboards;

/// <summary>Token windows compared by content, so windows read from files or uploads are stored once however often they recur.</summary>
internal sealed class TokenWindowComparer : IEqualityComparer<int[]>
{
    public static TokenWindowComparer Instance { get; } = new();

    public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(int[] window)
    {
        var hash = new HashCode();
        hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(window.AsSpan()));
        return hash.ToHashCode();
    }
}
