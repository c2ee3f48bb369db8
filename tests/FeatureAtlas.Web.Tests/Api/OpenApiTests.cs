using System.Text.Json;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

public sealed class OpenApiTests(SqliteAtlasApp app) : IClassFixture<SqliteAtlasApp>
{
    [Theory]
    [InlineData("/api/list/new", "401")]
    [InlineData("/api/list/add-features", "403")]
    [InlineData("/api/bookmark/add", "429")]
    [InlineData("/api/comment/delete", "403")]
    [InlineData("/api/explanation/{id}/vote", "401")]
    [InlineData("/api/explanation/search", "400")]
    [InlineData("/api/list/get", "404")]
    public async Task OpenApiDocument_SocialEndpoint_HasSummaryAndProblemAnswers(string path, string status)
    {
        using var client = app.CreateClient();

        var document = await HttpAssert.OkJsonAsync(await client.GetAsync("openapi/v1.json"));

        var post = document.GetProperty("paths").GetProperty(path).GetProperty("post");
        Assert.False(string.IsNullOrWhiteSpace(post.GetProperty("summary").GetString()));
        Assert.True(post.GetProperty("responses").TryGetProperty(status, out var problem), $"{path} documents no {status}");
        Assert.True(problem.GetProperty("content").TryGetProperty("application/problem+json", out _));
        Assert.Equal(JsonValueKind.Object, post.GetProperty("responses").GetProperty("200").ValueKind);
    }

    [Theory]
    [InlineData("tokens", "string")]
    [InlineData("values", "number")]
    public async Task OpenApiDocument_ActivationRow_DocumentsTokensAndValuesAsArrays(string property, string itemType)
    {
        using var client = app.CreateClient();

        var schemas = (await HttpAssert.OkJsonAsync(await client.GetAsync("openapi/v1.json"))).GetProperty("components").GetProperty("schemas");

        // Written by their own converters: the document must still say what a client reads there.
        var reference = schemas.GetProperty("FeatureActivationDto").GetProperty("properties").GetProperty(property).GetProperty("$ref").GetString()!;
        var schema = schemas.GetProperty(reference.Split('/')[^1]);
        Assert.Equal("array", schema.GetProperty("type").GetString());
        Assert.Equal(itemType, schema.GetProperty("items").GetProperty("type").GetString());
    }
}
