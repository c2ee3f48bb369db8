namespace FeatureAtlas.Jobs;

/// <summary>
/// The training sequence at stream position p: epoch p / n in a seeded shuffle of its own, so a resumed run draws
/// exactly the sequences an uninterrupted one does (train-lm, train-lens).
/// </summary>
internal sealed class EpochOrder(int count, ulong seed)
{
    private long _epoch = -1;
    private int[] _order = [];

    public int At(long position)
    {
        var epoch = position / count;
        if (epoch != _epoch)
        {
            _order = Enumerable.Range(0, count).ToArray();
            new Random(unchecked((int)(seed * 0x9E3779B1UL + (ulong)epoch * 0x85EBCA6BUL))).Shuffle(_order);
            _epoch = epoch;
        }
        return _order[(int)(position % count)];
    }
}
