using System.Net;
using System.Net.Http.Json;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// Jobs on the site: a user sees their own jobs with progress (an admin sees everyone's), and Hangfire's dashboard at
/// /admin/jobs answers admins only: never an anonymous visitor, never a signed-in user who is not an admin.
/// </summary>
public sealed class JobsApiTests(SqliteAtlasApp app) : IClassFixture<SqliteAtlasApp>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task AdminJobs_Anonymous_IsSentToSignInWithoutTheDashboard()
    {
        var response = await app.CreateClient().GetAsync("admin/jobs");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/account/signin", response.Headers.Location?.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("FeatureAtlas jobs", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminJobs_SignedInNotAdmin_IsDenied()
    {
        var user = await app.SharedUserAsync("jobs-user");

        var response = await user.Client.GetAsync("admin/jobs");

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("FeatureAtlas jobs", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotEqual(HttpStatusCode.OK, (await user.KeyClient.GetAsync("admin/jobs")).StatusCode);
    }

    [Fact]
    public async Task AdminJobs_Admin_SeesHangfiresDashboard()
    {
        var admin = await app.SharedUserAsync("jobs-admin", admin: true);

        var response = await admin.Client.GetAsync("admin/jobs");

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("FeatureAtlas jobs", html, StringComparison.Ordinal);
        Assert.Contains("Hangfire", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_SignedIn_GivesOwnJobsWithProgressAndAnAdminEveryones()
    {
        var alice = await app.SignUpAsync("alice");
        var bob = await app.SignUpAsync("bob");
        var admin = await app.SharedUserAsync("jobs-admin", admin: true);
        var jobs = app.Services.GetRequiredService<IJobStore>();
        var mine = await jobs.CreateJobAsync("explain", "{}", alice.Actor.UserId, "explanations of m/s", [], null, null, None);
        var theirs = await jobs.CreateJobAsync("explain", "{}", bob.Actor.UserId, "explanations of m/t", [], null, null, None);
        await jobs.StartJobAsync(mine.Id, "w", None);
        await jobs.ReportProgressAsync(mine.Id, "features", 30, 120, None);

        var list = await alice.KeyClient.GetFromJsonAsync<JobDto[]>("api/jobs");

        var job = Assert.Single(list!);
        Assert.Equal((mine.Id, "running", "features", 30L, 120L), (job.Id, job.State, job.Stage, job.Done, job.Total));
        var all = await admin.KeyClient.GetFromJsonAsync<JobDto[]>("api/jobs");
        Assert.Contains(all!, j => j.Id == mine.Id);
        Assert.Contains(all!, j => j.Id == theirs.Id);
        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, await app.CreateClient().GetAsync("api/jobs"));

        var page = await alice.Client.GetStringAsync("jobs");
        Assert.Contains($"data-job=\"{mine.Id}\"", page, StringComparison.Ordinal);
        Assert.Contains("features 30/120", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"data-job=\"{theirs.Id}\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_AnothersJob_IsNotFoundAndTheJobRuns()
    {
        var alice = await app.SignUpAsync("alice");
        var bob = await app.SignUpAsync("bob");
        var jobs = app.Services.GetRequiredService<IJobStore>();
        var job = await jobs.CreateJobAsync("explain", "{}", alice.Actor.UserId, null, [], null, null, None);

        await HttpAssert.StatusAsync(HttpStatusCode.NotFound, await bob.KeyClient.PostAsync($"api/jobs/{job.Id}/cancel", null));
        Assert.Equal(JobStates.Queued, (await jobs.GetJobAsync(job.Id, None))!.State);
        var cancelled = await alice.KeyClient.PostAsync($"api/jobs/{job.Id}/cancel", null);
        await HttpAssert.StatusAsync(HttpStatusCode.OK, cancelled);
        Assert.Equal(JobStates.Cancelled, (await jobs.GetJobAsync(job.Id, None))!.State);
    }
}
