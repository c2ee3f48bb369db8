namespace FeatureAtlas.Web.Tests.Pages;

/// <summary>The output cache's popularity gate: a key counts as seen only when it came before, within the window.</summary>
public sealed class RecentRequestsTests
{
    [Fact]
    public void SeenBefore_SecondRequestWithinTheWindow_IsSeen()
    {
        var recent = new RecentRequests(slots: 1024, TimeSpan.FromMinutes(10));

        Assert.False(recent.SeenBefore("/m/s/1"));
        Assert.True(recent.SeenBefore("/m/s/1"));
        Assert.True(recent.SeenBefore("/m/s/1"));
        Assert.False(recent.SeenBefore("/m/s/2"));
        Assert.False(recent.SeenBefore("/m/s/1?embed=true"));
    }

    [Fact]
    public async Task SeenBefore_AfterTheWindow_IsNotSeen()
    {
        var recent = new RecentRequests(slots: 1024, TimeSpan.FromMilliseconds(1));
        Assert.False(recent.SeenBefore("/m/s/1"));

        await Task.Delay(50);

        Assert.False(recent.SeenBefore("/m/s/1"));
    }

    [Fact]
    public void SeenBefore_ManyKeysInFewSlots_MemoryStaysBoundedAndRecentKeysMostlyKept()
    {
        var recent = new RecentRequests(slots: 1 << 12, TimeSpan.FromMinutes(10));
        var keys = Enumerable.Range(0, 100_000).Select(i => $"/m/s/{i}").ToArray();
        foreach (var key in keys) recent.SeenBefore(key);

        // The last 100 keys fell into at most 100 of the 4,096 slots: few were pushed out by each other since.
        var kept = keys[^100..].Count(recent.SeenBefore);

        Assert.InRange(kept, 90, 100);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(-4)]
    public void Constructor_SlotsNotAPowerOfTwo_Throws(int slots)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RecentRequests(slots, TimeSpan.FromSeconds(1)));
        Assert.Contains("power of two", error.Message);
    }
}
