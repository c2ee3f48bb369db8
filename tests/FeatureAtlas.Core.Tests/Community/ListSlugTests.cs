using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Core.Tests.Community;

public class ListSlugTests
{
    [Fact]
    public void New_ManySlugs_TwelveCharactersWithoutLookAlikes()
    {
        var slugs = Enumerable.Range(0, 200).Select(_ => ListSlug.New()).ToList();
        Assert.Equal(200, slugs.Distinct().Count());
        Assert.All(slugs, s =>
        {
            Assert.Equal(12, s.Length);
            Assert.DoesNotContain(s, c => c is 'l' or 'o' or 'I' or 'O' or '0' or '1' || !char.IsAsciiLetterOrDigit(c));
        });
    }
}
