using FeatureAtlas.Core.Explain;

namespace FeatureAtlas.Core.Tests.Explain;

public class TestTextsTests
{
    [Theory]
    [InlineData("""{"activating": ["a cat"], "non_activating": ["a car"]}""", true)]
    [InlineData("""Sure! {"activating": ["a cat", "cats"], "non_activating": ["a car"]} Hope this helps.""", true)]
    [InlineData("""{"activating": ["a cat"]}""", false)]
    [InlineData("""{"activating": [], "non_activating": ["a car"]}""", false)]
    [InlineData("""{"activating": ["a cat", 3], "non_activating": ["a car"]}""", false)]
    [InlineData("""["a cat"]""", false)]
    [InlineData("not json at all", false)]
    [InlineData("""{"activating": ["a cat"], "non_activating": ["a car"]""", false)]
    public void Parse_Reply_AcceptsOnlyTheAskedShape(string reply, bool valid) =>
        Assert.Equal(valid, TestTexts.Parse(reply, perSide: 5) is not null);

    [Fact]
    public void Score_CountsRecallPrecisionAndAccuracy()
    {
        var s = TestTexts.Score([5f, 0.5f, 2f, 0f], [0f, 3f, 0.1f], threshold: 1f);
        Assert.Equal(0.5, s.Recall);                 // 2 of 4 positives fire
        Assert.Equal(2 / 3.0, s.Precision, 12);      // 3 fire, 2 meant to
        Assert.Equal(4 / 7.0, s.Accuracy, 12);       // 2 positives + 2 negatives behaved
        Assert.True(double.IsNaN(TestTexts.Score([0f], [0f], 1f).Precision));
    }
}
