using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Auth;

public abstract class ApiKeyTests(AtlasApp app)
{
    public sealed class Sqlite(SqliteAtlasApp app) : ApiKeyTests(app), IClassFixture<SqliteAtlasApp>;

    public sealed class Postgres(PostgresAtlasApp app) : ApiKeyTests(app), IClassFixture<PostgresAtlasApp>;

    [Fact]
    public async Task ApiKey_OnAWrite_ActsAsItsUser()
    {
        app.SkipWhenUnavailable();
        var user = await app.SignUpAsync();

        var created = await HttpAssert.OkJsonAsync(await user.KeyClient.PostAsJsonAsync("api/list/new", new { name = "by key" }));

        Assert.Equal(user.Name, created.GetProperty("userName").GetString());
        Assert.Single(await app.Store.Lists.ListListsAsync(user.Actor.UserId, includeUnlisted: true, CancellationToken.None));
    }

    [Fact]
    public async Task ApiKey_WithAValidCookieToo_UnknownKeyStill401()
    {
        app.SkipWhenUnavailable();
        var user = await app.SignUpAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/list/new") { Content = JsonContent.Create(new { name = "cookie and bad key" }) };
        request.Headers.Add("x-api-key", user.ApiKey + "x");

        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, await user.Client.SendAsync(request));

        Assert.Empty(await app.Store.Lists.ListListsAsync(user.Actor.UserId, includeUnlisted: true, CancellationToken.None));
    }

    [Fact]
    public async Task ApiKeys_InTheDatabase_OnlyTheirHashIsStored()
    {
        app.SkipWhenUnavailable();
        var user = await app.SignUpAsync();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(user.ApiKey)));

        var rows = await app.ScalarAsync($"SELECT COUNT(*) FROM api_keys WHERE user_id = {user.Actor.UserId} AND hash = '{hash}'");
        // The secret part of the key (after the prefix shown in settings) appears in no column.
        var secret = user.ApiKey[16..];
        var leaked = await app.ScalarAsync(
            $"SELECT COUNT(*) FROM api_keys WHERE hash LIKE '%{secret}%' OR prefix LIKE '%{secret}%' OR name LIKE '%{secret}%'");

        Assert.Equal(1L, Convert.ToInt64(rows));
        Assert.Equal(0L, Convert.ToInt64(leaked));
        Assert.True(user.ApiKey.Length > 40);
    }
}
