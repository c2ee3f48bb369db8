using FeatureAtlas.Core.Training;

namespace FeatureAtlas.Core.Tests.Training;

public sealed class ShuffleBufferTests
{
    [Fact]
    public void Take_FilledRows_ReturnsEachRowOnceInAMixedOrder()
    {
        var buffer = new ShuffleBuffer(capacity: 100, width: 3, seed: 1);
        buffer.Add(Enumerable.Range(0, 100).SelectMany(r => new float[] { r, r, r }).ToArray());
        var taken = new float[100 * 3];
        buffer.Take(taken, 100);
        var rows = Enumerable.Range(0, 100).Select(r => taken[r * 3]).ToArray();
        Assert.Equal(Enumerable.Range(0, 100).Select(r => (float)r), rows.Order());
        Assert.True(rows.Zip(rows.Skip(1)).Count(p => p.Second == p.First + 1) < 10, "rows came out nearly in order");
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void Read_AfterWrite_DrawsWhatTheOriginalWouldHave()
    {
        var buffer = new ShuffleBuffer(capacity: 50, width: 2, seed: 9);
        buffer.Add(Enumerable.Range(0, 80).Select(i => (float)i).ToArray());
        buffer.Take(new float[10 * 2], 10);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) buffer.Write(writer);
        stream.Position = 0;
        var copy = ShuffleBuffer.Read(new BinaryReader(stream));
        var (a, b) = (new float[20 * 2], new float[20 * 2]);
        buffer.Take(a, 20);
        copy.Take(b, 20);
        Assert.Equal(a, b);
        Assert.Throws<InvalidOperationException>(() => copy.Add(new float[41 * 2]));
    }
}
