using System.Net;
using System.Net.Http.Json;
using FeatureAtlas.Data.Entities;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Auth;

/// <summary>
/// A sign-in cookie stops working once its session is ended: after sign-out, a password change, and after the user
/// is made an admin (the role lives in the cookie). Someone who copied the cookie can then neither open Settings nor write through
/// the API.
/// </summary>
public sealed class SessionTests(SqliteAtlasApp app) : IClassFixture<SqliteAtlasApp>
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>A client that sends exactly <paramref name="cookieHeader"/> and keeps nothing it is sent.</summary>
    private HttpClient Replay(string cookieHeader)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = app.BaseAddress };
        client.DefaultRequestHeaders.Add("Cookie", cookieHeader);
        return client;
    }

    private async Task<(HttpClient Client, string Cookies)> SignInAsync(string name)
    {
        var jar = new CookieContainer();
        var client = app.CreateClient(cookies: jar);
        var response = await AtlasApp.PostFormAsync(client, "account/signin", new() { ["UserName"] = name, ["Password"] = AtlasApp.Password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookies = jar.GetCookieHeader(app.BaseAddress);
        Assert.Contains("atlas.auth=", cookies, StringComparison.Ordinal);
        return (client, cookies);
    }

    private static async Task AssertSignedOutAsync(HttpClient replay)
    {
        var settings = await replay.GetAsync("account/settings");
        Assert.Equal(HttpStatusCode.Redirect, settings.StatusCode);
        Assert.Contains("/account/signin", settings.Headers.Location?.ToString(), StringComparison.OrdinalIgnoreCase);
        var write = await replay.PostAsJsonAsync("api/comment/new", new { modelId = AtlasApp.Model, layer = AtlasApp.Sae, index = 6, text = "after the session ended" });
        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, write);
    }

    [Fact]
    public async Task SignOut_OldCookieReused_NoLongerOpensSettingsOrWrites()
    {
        var user = await app.SignUpAsync("leaver");
        var (client, cookies) = await SignInAsync(user.Name);
        using var before = Replay(cookies);
        await HttpAssert.StatusAsync(HttpStatusCode.OK, await before.GetAsync("account/settings"));

        var signedOut = await AtlasApp.PostFormAsync(client, "account/signout", [], tokenFrom: "account/signout");

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        using var replay = Replay(cookies);
        await AssertSignedOutAsync(replay);
        var comments = await app.Store.Social.ListCommentsAsync(new(AtlasApp.Model, AtlasApp.Sae, 6), None);
        Assert.DoesNotContain(comments, c => c.Text == "after the session ended");
        // Signing in again works as before.
        var (_, fresh) = await SignInAsync(user.Name);
        using var again = Replay(fresh);
        await HttpAssert.StatusAsync(HttpStatusCode.OK, await again.GetAsync("account/settings"));
    }

    [Fact]
    public async Task PasswordChanged_OldCookieReused_NoLongerOpensSettingsOrWrites()
    {
        var user = await app.SignUpAsync("changer");
        var (_, cookies) = await SignInAsync(user.Name);

        using (var scope = app.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>();
            var entity = await users.FindByNameAsync(user.Name);
            Assert.True((await users.ChangePasswordAsync(entity!, AtlasApp.Password, "a brand new password")).Succeeded);
        }

        using var replay = Replay(cookies);
        await AssertSignedOutAsync(replay);
    }

    [Fact]
    public async Task MadeAdmin_OldCookieReused_NoLongerOpensSettingsOrWrites()
    {
        var user = await app.SignUpAsync("promoted");
        var (_, cookies) = await SignInAsync(user.Name);

        await app.Store.Users.SetAdminAsync(user.Name, true, None);

        using var replay = Replay(cookies);
        await AssertSignedOutAsync(replay);
    }
}
