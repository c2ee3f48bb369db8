namespace FeatureAtlas.Core.Umap;

/// <summary>
/// Up to <c>max</c> candidates per point, keeping those of lowest (priority, index): a bounded random sample
/// whose contents do not depend on the order of the offers.
/// </summary>
internal sealed class CandidateLists
{
    private readonly int _max;
    private readonly int[] _items;        // [points, max]
    private readonly double[] _priority;  // [points, max]
    private readonly int[] _count;        // [points]

    public CandidateLists(int points, int max)
    {
        _max = max;
        _items = new int[(long)points * max];
        _priority = new double[(long)points * max];
        _count = new int[points];
    }

    public ReadOnlySpan<int> Of(int point) => _items.AsSpan(point * _max, _count[point]);

    public void Push(int point, int item, double priority)
    {
        var row = point * _max;
        var count = _count[point];
        var worst = -1;
        for (var s = 0; s < count; s++)
        {
            if (_items[row + s] == item) return;
            if (worst < 0 || Later(row + s, row + worst)) worst = s;
        }
        if (count < _max)
        {
            _items[row + count] = item;
            _priority[row + count] = priority;
            _count[point] = count + 1;
            return;
        }
        var w = row + worst;
        if (priority < _priority[w] || (priority == _priority[w] && item < _items[w]))
        {
            _items[w] = item;
            _priority[w] = priority;
        }
    }

    private bool Later(int a, int b) => _priority[a] > _priority[b] || (_priority[a] == _priority[b] && _items[a] > _items[b]);
}
