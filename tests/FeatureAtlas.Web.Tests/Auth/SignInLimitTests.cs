using System.Net;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Auth;

/// <summary>
/// Sign-in and sign-up attempts are bounded per network address, whichever accounts they name: past the budget the
/// sign-in page answers 429 with a retry time, even for the right password, and says nothing about the account; the
/// sign-up page creates no account.
/// </summary>
public sealed class SignInLimitTests(SignInLimitedAtlasApp app) : IClassFixture<SignInLimitedAtlasApp>
{
    [Fact]
    public async Task SignIn_PastTheAddressBudget_Answers429ForAnyAccount()
    {
        // The sign-up is the address's first attempt.
        var user = await app.SignUpAsync("target");
        using var client = app.CreateClient();
        for (var i = 1; i < SignInLimitedAtlasApp.SignIns; i++)
        {
            var wrong = await AtlasApp.PostFormAsync(client, "account/signin", new() { ["UserName"] = "someone" + i, ["Password"] = "not the password" });
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }

        var refused = await AtlasApp.PostFormAsync(client, "account/signin", new() { ["UserName"] = user.Name, ["Password"] = AtlasApp.Password });

        await HttpAssert.StatusAsync(HttpStatusCode.TooManyRequests, refused);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 carries Retry-After");
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Matches(@"Too many sign-in and sign-up attempts[^<]*retry in \d+ s", html);
        Assert.DoesNotContain("atlas.auth", string.Join(";", refused.Headers.TryGetValues("Set-Cookie", out var set) ? set : []), StringComparison.Ordinal);

        var signUp = await AtlasApp.PostFormAsync(client, "account/signup", new() { ["UserName"] = "one-more", ["Password"] = AtlasApp.Password }, tokenFrom: "account/signup");

        await HttpAssert.StatusAsync(HttpStatusCode.TooManyRequests, signUp);
        Assert.Null(await app.Store.Users.FindUserAsync("one-more", CancellationToken.None));
    }
}
