using System.Text.Json;
using FeatureAtlas.Core.Storage;
using Hangfire;

namespace FeatureAtlas.Jobs.Queue;

/// <summary>
/// The long jobs that run as one piece on a worker (explanations, maps, evals, SAE training, feature analysis, attribution graphs), enqueued by a command's
/// <c>--enqueue</c>: the options travel as JSON, the job keeps its own checkpoint in the options' checkpoint folder
/// (a shared folder, so a retry on another machine continues it), and a cancel stops it within a second or so.
/// </summary>
public static class WholeJobs
{
    public const string Explain = "explain";
    public const string Umap = "umap";
    public const string JointUmap = "joint-umap";
    public const string Eval = "eval";
    public const string TrainSae = "train-sae";
    public const string Analysis = "analysis";
    public const string Graph = "graph";
    public const string SaeBuild = "sae-build";

    public static IReadOnlySet<string> Kinds { get; } = new HashSet<string> { Explain, Umap, JointUmap, Eval, TrainSae, Analysis, Graph, SaeBuild };

    /// <summary>Records a job of <paramref name="kind"/> and hands it to the queue (SQLite: the serving process picks it up).</summary>
    public static async Task<JobRecord> EnqueueAsync(string kind, object options, int? userId, string title, IJobStore jobs, IBackgroundJobClient? client, CancellationToken cancellationToken,
        string? subject = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(jobs);
        if (!Kinds.Contains(kind)) throw new ArgumentException($"'{kind}' is not a job that runs on workers; those are {string.Join(", ", Kinds)}.", nameof(kind));
        var job = await jobs.CreateJobAsync(kind, JsonSerializer.Serialize(options, options.GetType()), userId, title, [], null, subject, cancellationToken).ConfigureAwait(false);
        if (client is not null) Dispatch(job, client);
        return job;
    }

    public static void Dispatch(JobRecord job, IBackgroundJobClient client)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(client);
        client.Enqueue<JobRunner>(r => r.RunWholeAsync(job.Id, null, CancellationToken.None));
    }

    internal static async Task RunAsync(JobServices services, JobRecord job, IProgress<JobProgress> progress, CancellationToken cancellationToken)
    {
        switch (job.Kind)
        {
            case Explain:
                await ExplainJob.RunAsync(Options<ExplainJobOptions>(job), services.Corpora, services.Models, services.Dashboards, Need(services.Explanations), null, progress, cancellationToken).ConfigureAwait(false);
                break;
            case Umap:
                await UmapJob.RunAsync(Options<UmapJobOptions>(job), services.Models, Need(services.Maps), progress, cancellationToken).ConfigureAwait(false);
                break;
            case JointUmap:
                await JointUmapJob.RunAsync(Options<JointUmapJobOptions>(job), services.Models, Need(services.Maps), progress, cancellationToken).ConfigureAwait(false);
                break;
            case Eval:
                await EvalJob.RunAsync(Options<EvalJobOptions>(job), services.Corpora, services.Models, Need(services.Evals), progress, cancellationToken).ConfigureAwait(false);
                break;
            case TrainSae:
                var training = new Progress<TrainProgress>(p => progress.Report(new JobProgress("tokens", p.Tokens, p.TotalTokens)));
                await TrainSaeJob.RunAsync(Options<TrainSaeJobOptions>(job), services.Corpora, training, cancellationToken).ConfigureAwait(false);
                break;
            case Analysis:
                await FeatureAnalysisJob.RunAsync(Options<FeatureAnalysisJobOptions>(job), services.Corpora, services.Models, services.Dashboards, Need(services.Analyses), progress, cancellationToken).ConfigureAwait(false);
                break;
            case Graph:
                await GraphJob.RunAsync(Options<GraphJobOptions>(job), services.Models, Need(services.Graphs), services.Explanations, progress, cancellationToken).ConfigureAwait(false);
                break;
            case SaeBuild:
                await SaeBuildJob.RunAsync(Options<SaeBuildJobOptions>(job), services.Corpora, services.Models, services.Dashboards, Need(services.Explanations), Need(services.Maps),
                    progress, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new InvalidDataException($"Job {job.Id} is a '{job.Kind}' job, which this worker cannot run.");
        }
    }

    private static T Options<T>(JobRecord job) => JsonSerializer.Deserialize<T>(job.OptionsJson) ?? throw new InvalidDataException($"Job {job.Id} has no options.");

    private static T Need<T>(T? store) where T : class => store ?? throw new InvalidOperationException($"This worker has no {typeof(T).Name}.");
}
