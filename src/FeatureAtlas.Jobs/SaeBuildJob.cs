using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Jobs;

/// <summary>
/// What a newly added SAE needs before its pages are useful, as one resumable job: its dashboards, its features'
/// offline explanations and its feature map. Progress names the step ("1/3 dashboards: windows"); each step keeps its
/// own checkpoint, so a stopped chain resumes in the step it was in (finished steps run again from their stored
/// results' checkpoints cheaply: dashboards and explanations skip what their checkpoints hold).
/// </summary>
public static class SaeBuildJob
{
    public static async Task RunAsync(SaeBuildJobOptions options, ICorpusStore corpora, IModelStore models, IDashboardStore dashboards, IExplanationStore explanations,
        IUmapStore maps, IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(models);
        var model = options.Dashboards.ModelName ?? throw new ArgumentException("The chain needs the model's name in the store.", nameof(options));
        await DashboardJob.RunAsync(options.Dashboards with { CheckpointDirectory = Path.Combine(options.CheckpointDirectory, "dashboards") },
            corpora, models, dashboards, Step(progress, 1, "dashboards"), cancellationToken).ConfigureAwait(false);
        var explain = new ExplainJobOptions { Model = model, Sae = options.Sae, CheckpointDirectory = Path.Combine(options.CheckpointDirectory, "explain") };
        await ExplainJob.RunAsync(explain, corpora, models, dashboards, explanations, null, Step(progress, 2, "explanations"), cancellationToken).ConfigureAwait(false);
        var map = new UmapJobOptions { Model = model, Sae = options.Sae, CheckpointDirectory = Path.Combine(options.CheckpointDirectory, "map") };
        await UmapJob.RunAsync(map, models, maps, Step(progress, 3, "map"), cancellationToken).ConfigureAwait(false);
    }

    private static StepProgress? Step(IProgress<JobProgress>? progress, int step, string name) => progress is null ? null : new StepProgress(progress, $"{step}/3 {name}");

    /// <summary>Passes a step's progress on at once (not through a synchronisation context), its stage prefixed with the step.</summary>
    private sealed class StepProgress(IProgress<JobProgress> inner, string prefix) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => inner.Report(value with { Stage = $"{prefix}: {value.Stage}" });
    }
}
