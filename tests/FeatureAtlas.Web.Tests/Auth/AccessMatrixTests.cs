using System.Net;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Auth;

/// <summary>
/// Every write (API endpoint and page form) × anonymous / owner / another user / admin. Anonymous is refused (API
/// 401; pages redirect to sign-in); another user is refused (403) on what the owner alone may change and allowed
/// elsewhere; the owner and admins are allowed. A refused write leaves what it aimed at unchanged.
/// </summary>
public abstract class AccessMatrixTests(AtlasApp app)
{
    public sealed class Sqlite(SqliteAtlasApp app) : AccessMatrixTests(app), IClassFixture<SqliteAtlasApp>;

    public sealed class Postgres(PostgresAtlasApp app) : AccessMatrixTests(app), IClassFixture<PostgresAtlasApp>;

    private const string M = AtlasApp.Model;
    private const string S = AtlasApp.Sae;
    private static readonly FeatureKey OnList = new(M, S, 1);
    private static readonly FeatureKey Commented = new(M, S, 4);
    private static readonly FeatureKey Explained = new(M, S, 5);
    private static readonly CancellationToken None = CancellationToken.None;

    private static Task<string> ListState(AtlasApp app, WriteTarget t) => app.Store.Lists.GetListAsync(t.Slug, None).ContinueWith(r => r.Result is not { } list
        ? "deleted"
        : $"{list.Info.Name}|{list.Info.Description}|{list.Info.IsPublic}|{string.Join(",", list.Items.Select(i => $"{i.Feature}:{i.Note}"))}");

    private static async Task<string> CommentState(AtlasApp app, WriteTarget t) =>
        string.Join(",", (await app.Store.Social.ListCommentsAsync(Commented, None)).Select(c => c.Id));

    private static async Task<string> ExplanationState(AtlasApp app, WriteTarget t) =>
        string.Join(",", (await app.Store.Explanations.ListFeatureExplanationsAsync(Explained, None)).Select(e => $"{e.Id}:{e.Votes}"));

    private static async Task<string> StarState(AtlasApp app, WriteTarget t) => (await app.Store.Social.GetStarsAsync(new FeatureKey(M, S, 3), null, None)).Count.ToString();

    private static object Feature(int index) => new { modelId = M, layer = S, index };

    public static readonly IReadOnlyList<WriteCase> Cases =
    [
        WriteCase.Api("api/list/new", false, _ => new { name = "new " + Guid.NewGuid() }),
        WriteCase.Api("api/list/new-with-features", false, _ => new { name = "nwf " + Guid.NewGuid(), features = new[] { Feature(2) } }),
        WriteCase.Api("api/list/add-features", true, t => new { listId = t.Slug, featuresToAdd = new[] { Feature(2) } }, ListState),
        WriteCase.Api("api/list/remove", true, t => new { listId = t.Slug, modelId = M, layer = S, index = 1 }, ListState),
        WriteCase.Api("api/list/edit-feature", true, t => new { listId = t.Slug, modelId = M, layer = S, index = 1, description = "edited" }, ListState),
        WriteCase.Api("api/list/update", true, t => new { listId = t.Slug, name = "renamed " + Guid.NewGuid(), description = "changed" }, ListState),
        WriteCase.Api("api/list/delete", true, t => new { listId = t.Slug }, ListState),
        WriteCase.Api("api/list/list", false, _ => new { }),
        WriteCase.Api("api/bookmark/add", false, _ => Feature(3), StarState),
        WriteCase.Api("api/bookmark/delete", false, _ => Feature(3), StarState),
        WriteCase.Api("api/comment/new", false, _ => new { modelId = M, layer = S, index = 4, text = "a comment" }, CommentState),
        WriteCase.Api("api/comment/delete", true, t => new { commentId = t.CommentId }, CommentState),
        WriteCase.Api("api/explanation/new", false, _ => new { feature = new { modelId = M, layer = S, index = 5, explanation = "an explanation" } }, ExplanationState),
        WriteCase.Api("api/explanation/{id}/vote", false, _ => new { points = 1 }, ExplanationState),
        WriteCase.Api("api/explanation/{id}/unvote", false, _ => null, ExplanationState),
        WriteCase.Api("api/explanation/delete", true, t => new { explanationId = t.ExplanationId }, ExplanationState),

        WriteCase.Page("feature?handler=Star", false, _ => $"{M}/{S}/3?handler=Star", _ => new() { ["star"] = "true" }, StarState),
        WriteCase.Page("feature?handler=Comment", false, _ => $"{M}/{S}/4?handler=Comment", _ => new() { ["comment"] = "a comment" }, CommentState),
        WriteCase.Page("feature?handler=DeleteComment", true, _ => $"{M}/{S}/4?handler=DeleteComment", t => new() { ["commentId"] = t.CommentId.ToString() }, CommentState),
        WriteCase.Page("feature?handler=Explanation", false, _ => $"{M}/{S}/5?handler=Explanation", _ => new() { ["explanation"] = "an explanation" }, ExplanationState),
        WriteCase.Page("feature?handler=Vote", false, _ => $"{M}/{S}/5?handler=Vote", t => new() { ["explanationId"] = t.VotedExplanationId.ToString(), ["points"] = "1" }, ExplanationState),
        WriteCase.Page("feature?handler=AddToList", true, _ => $"{M}/{S}/2?handler=AddToList", t => new() { ["list"] = t.Slug }, ListState),
        WriteCase.Page("list?handler=Update", true, t => $"list/{t.Slug}?handler=Update", _ => new() { ["name"] = "renamed " + Guid.NewGuid(), ["description"] = "changed", ["isPublic"] = "true" }, ListState),
        WriteCase.Page("list?handler=Remove", true, t => $"list/{t.Slug}?handler=Remove", _ => new() { ["model"] = M, ["sae"] = S, ["index"] = "1" }, ListState),
        WriteCase.Page("list?handler=Delete", true, t => $"list/{t.Slug}?handler=Delete", _ => new(), ListState),
        WriteCase.Page("settings?handler=Create", false, _ => "account/settings?handler=Create", _ => new() { ["name"] = "matrix" }),
    ];

    public static TheoryData<string, Caller> ApiCells => Cells(page: false, [Caller.Anonymous, Caller.Owner, Caller.Other, Caller.Admin]);

    public static TheoryData<string, Caller> ApiKeyCells => Cells(page: false, [Caller.Owner, Caller.Other, Caller.Admin]);

    public static TheoryData<string, Caller> PageCells => Cells(page: true, [Caller.Anonymous, Caller.Owner, Caller.Other, Caller.Admin]);

    public static TheoryData<string> ApiCases => new(Cases.Where(c => !c.IsPage).Select(c => c.Name));

    private static TheoryData<string, Caller> Cells(bool page, Caller[] callers)
    {
        var data = new TheoryData<string, Caller>();
        foreach (var c in Cases.Where(c => c.IsPage == page))
        {
            foreach (var caller in callers) data.Add(c.Name, caller);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ApiCells))]
    public Task ApiWrite_WithCookie_AnswersByCaller(string endpoint, Caller caller) => RunCellAsync(endpoint, caller, apiKey: false);

    [Theory]
    [MemberData(nameof(ApiKeyCells))]
    public Task ApiWrite_WithApiKey_AnswersByCaller(string endpoint, Caller caller) => RunCellAsync(endpoint, caller, apiKey: true);

    [Theory]
    [MemberData(nameof(PageCells))]
    public Task PageFormPost_AnswersByCaller(string form, Caller caller) => RunCellAsync(form, caller, apiKey: false);

    [Theory]
    [MemberData(nameof(ApiCases))]
    public async Task ApiWrite_UnknownApiKey_Returns401AndChangesNothing(string endpoint)
    {
        app.SkipWhenUnavailable();
        var write = Cases.Single(c => c.Name == endpoint);
        var target = await ArrangeAsync();
        var before = write.State is null ? null : await write.State(app, target);
        using var client = app.CreateClient(apiKey: "sk-atlas-not-a-key-anyone-has");

        var response = await write.Send(client, target);

        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
        if (write.State is not null) Assert.Equal(before, await write.State(app, target));
    }

    private async Task RunCellAsync(string name, Caller caller, bool apiKey)
    {
        app.SkipWhenUnavailable();
        var write = Cases.Single(c => c.Name == name);
        var target = await ArrangeAsync();
        var before = write.State is null ? null : await write.State(app, target);
        using var anonymous = app.CreateClient();
        var client = caller switch
        {
            Caller.Anonymous => anonymous,
            Caller.Owner => Client(await app.SharedUserAsync("owner")),
            Caller.Other => Client(await app.SharedUserAsync("other")),
            _ => Client(await app.SharedUserAsync("admin", admin: true)),
        };

        var response = await write.Send(client, target);

        var expected = caller switch
        {
            Caller.Anonymous => HttpStatusCode.Unauthorized,
            Caller.Other when write.OwnerOnly => HttpStatusCode.Forbidden,
            _ => HttpStatusCode.OK,
        };
        var status = (int)response.StatusCode;
        var location = response.Headers.Location?.ToString() ?? "";
        var signIn = response.StatusCode == HttpStatusCode.Redirect && location.Contains("/account/signin", StringComparison.OrdinalIgnoreCase);
        var body = await response.Content.ReadAsStringAsync();
        var cell = $"{name} as {caller}{(apiKey ? " (API key)" : "")}: answered {status} {location} {body[..Math.Min(300, body.Length)]}";
        switch (expected)
        {
            case HttpStatusCode.Unauthorized when write.IsPage:
                Assert.True(signIn, cell);
                break;
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                Assert.True(response.StatusCode == expected, cell);
                break;
            default:
                Assert.True(write.IsPage ? (status is 200 || response.StatusCode == HttpStatusCode.Redirect) && !signIn : status is >= 200 and < 300, cell);
                break;
        }
        if (expected != HttpStatusCode.OK && write.State is not null) Assert.Equal(before, await write.State(app, target));

        HttpClient Client(TestUser user) => apiKey ? user.KeyClient : user.Client;
    }

    /// <summary>What the owner makes for one cell: a fresh list holding feature 1, a comment and an explanation.</summary>
    private async Task<WriteTarget> ArrangeAsync()
    {
        var owner = (await app.SharedUserAsync("owner")).Actor;
        var list = await app.Store.Lists.CreateListAsync(owner, "matrix " + Guid.NewGuid(), "before", null, isPublic: true, None);
        await app.Store.Lists.AddListItemsAsync(owner, list.Slug, [(OnList, "note")], None);
        var comment = await app.Store.Social.AddCommentAsync(owner, Commented, "owner's comment", None);
        var explanation = await app.Store.Explanations.AddManualExplanationAsync(owner, Explained, "owner's explanation", None);
        var voted = await app.Store.Explanations.AddManualExplanationAsync((await app.SharedUserAsync("author")).Actor, Explained, "an explanation to vote on", None);
        return new WriteTarget(list.Slug, comment.Id, explanation.Id, voted.Id);
    }
}
