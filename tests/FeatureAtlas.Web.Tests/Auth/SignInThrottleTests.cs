using System.Net;
using System.Text.RegularExpressions;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Auth;

/// <summary>
/// Sign-in tells nobody which accounts exist: a wrong password, an unknown user and an account that has failed many
/// times all get the same answer, and repeated failures do not lock the owner out. Guessing is bounded per network
/// address instead (<see cref="SignInLimitTests"/>).
/// </summary>
public sealed partial class SignInThrottleTests(SqliteAtlasApp app) : IClassFixture<SqliteAtlasApp>
{
    [GeneratedRegex("<li>([^<]*)</li>")]
    private static partial Regex Message();

    private async Task<(HttpStatusCode Status, string Message)> TryAsync(string name, string password)
    {
        using var client = app.CreateClient();
        var response = await AtlasApp.PostFormAsync(client, "account/signin", new() { ["UserName"] = name, ["Password"] = password });
        var html = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, WebUtility.HtmlDecode(Message().Match(html).Groups[1].Value));
    }

    [Fact]
    public async Task SignIn_ManyWrongPasswords_SameMessageAsUnknownUserAndNoLockout()
    {
        var user = await app.SignUpAsync("guessed");
        var unknown = await TryAsync("nobody-has-this-name", "wrong password");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.Equal("Wrong user name or password.", unknown.Message);

        for (var i = 0; i < 12; i++)
        {
            var wrong = await TryAsync(user.Name, "wrong password " + i);
            Assert.Equal(unknown, wrong);
        }

        using var client = app.CreateClient();
        var right = await AtlasApp.PostFormAsync(client, "account/signin", new() { ["UserName"] = user.Name, ["Password"] = AtlasApp.Password });
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
    }
}
