using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Core.Tests.Community;

public class UserTextTests
{
    [Fact]
    public void Required_Padded_Trimmed() => Assert.Equal("walrus", UserText.Required("  walrus \n", "name", 6));

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    public void Required_Empty_ErrorNamesTheField(string? text) =>
        Assert.Equal("The comment must not be empty.", Assert.Throws<ArgumentException>(() => UserText.Required(text, "comment", 10)).Message);

    [Fact]
    public void Required_TooLongAfterTrimming_ErrorSaysHowLong() =>
        Assert.Equal("The name is 7 characters long; at most 6 are allowed.",
            Assert.Throws<ArgumentException>(() => UserText.Required(" walruss ", "name", 6)).Message);

    [Fact]
    public void Optional_NullOrShort_AcceptedAndTooLongRefused()
    {
        UserText.Optional(null, "note", 3);
        UserText.Optional("abc", "note", 3);
        Assert.Equal("The note is 4 characters long; at most 3 are allowed.", Assert.Throws<ArgumentException>(() => UserText.Optional("abcd", "note", 3)).Message);
    }
}
