using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Jobs;

/// <summary>The signed-in user's long jobs (an admin's: everyone's) with progress that updates live (<c>js/jobs.js</c>).</summary>
[Authorize(Policy = AtlasAuthExtensions.SignedIn)]
public sealed class JobsModel(IJobStore jobs) : PageModel
{
    public IReadOnlyList<JobRecord> Jobs { get; private set; } = [];

    public bool IsAdmin { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var actor = User.ToActor()!;
        IsAdmin = actor.IsAdmin;
        Jobs = await jobs.ListJobsAsync(actor.IsAdmin ? null : actor.UserId, 100, cancellationToken);
    }

    /// <summary>Percent done, for the progress bar.</summary>
    public static int Percent(JobRecord job) => job.State == JobStates.Succeeded ? 100 : job.Total > 0 ? (int)Math.Clamp(100 * job.Done / job.Total, 0, 100) : 0;
}
