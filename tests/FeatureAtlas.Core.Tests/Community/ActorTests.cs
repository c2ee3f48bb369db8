using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Core.Tests.Community;

public class ActorTests
{
    private static readonly Actor Ada = new(7, "ada", IsAdmin: false);
    private static readonly Actor Admin = new(1, "root", IsAdmin: true);

    [Fact]
    public void Owns_OwnOtherAndMachineRows_OnlyOwnUnlessAdmin()
    {
        Assert.True(Ada.Owns(7));
        Assert.False(Ada.Owns(8));
        Assert.False(Ada.Owns(null));   // a job's explanation: admins only
        Assert.True(Admin.Owns(8));
        Assert.True(Admin.Owns(null));
    }

    [Fact]
    public void CheckVote_OwnExplanation_ForbiddenButWithdrawingIsAllowed()
    {
        var e = Assert.Throws<ForbiddenException>(() => Ada.CheckVote(authorId: 7, points: 1));
        Assert.Equal("You cannot vote on your own explanation.", e.Message);
        Ada.CheckVote(authorId: 7, points: 0);
        Ada.CheckVote(authorId: 8, points: -1);
        Ada.CheckVote(authorId: null, points: 1);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-2)]
    public void CheckVote_PointsOutsideOneStep_ArgumentExceptionNamingThem(int points)
    {
        var e = Assert.Throws<ArgumentException>(() => Ada.CheckVote(authorId: 8, points));
        Assert.Equal($"A vote is +1, -1 or 0; got {points}.", e.Message);
    }
}
