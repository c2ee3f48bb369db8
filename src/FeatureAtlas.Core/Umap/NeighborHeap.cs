namespace FeatureAtlas.Core.Umap;

/// <summary>
/// NN-descent's working graph: for each point its K best (distance, index) pairs in ascending order, a "new"
/// flag per entry (not yet used in a local join) and the iteration that inserted it. Keeping the K smallest
/// pairs under that total order, without duplicates, makes the contents independent of insertion order.
/// </summary>
internal sealed class NeighborHeap
{
    public NeighborHeap(int points, int k)
    {
        Points = points;
        K = k;
        Indices = new int[(long)points * k];
        Distances = new float[(long)points * k];
        IsNew = new bool[(long)points * k];
        Stamps = new int[(long)points * k];
        Array.Fill(Indices, -1);
        Array.Fill(Distances, float.PositiveInfinity);
    }

    public int Points { get; }

    public int K { get; }

    public int[] Indices { get; }       // [Points, K]

    public float[] Distances { get; }   // [Points, K], ascending

    public bool[] IsNew { get; }        // [Points, K]

    public int[] Stamps { get; }        // [Points, K] iteration of insertion

    public float Worst(int point) => Distances[point * K + K - 1];

    /// <summary>Offers <paramref name="neighbor"/> to <paramref name="point"/>'s list; true when it entered.</summary>
    public bool Push(int point, int neighbor, float distance, int stamp)
    {
        var row = point * K;
        var last = row + K - 1;
        if (distance > Distances[last] || (distance == Distances[last] && (Indices[last] < 0 ? false : neighbor >= Indices[last]))) return false;
        for (var s = row; s <= last; s++) if (Indices[s] == neighbor) return false;
        var p = last;
        while (p > row && (distance < Distances[p - 1] || (distance == Distances[p - 1] && (Indices[p - 1] < 0 || neighbor < Indices[p - 1]))))
        {
            Indices[p] = Indices[p - 1];
            Distances[p] = Distances[p - 1];
            IsNew[p] = IsNew[p - 1];
            Stamps[p] = Stamps[p - 1];
            p--;
        }
        Indices[p] = neighbor;
        Distances[p] = distance;
        IsNew[p] = true;
        Stamps[p] = stamp;
        return true;
    }

    public long CountStamped(int stamp)
    {
        long count = 0;
        for (var i = 0; i < Indices.Length; i++) if (Indices[i] >= 0 && Stamps[i] == stamp) count++;
        return count;
    }
}
