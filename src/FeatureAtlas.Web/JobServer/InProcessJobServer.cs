using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Jobs.Queue;
using Hangfire;

namespace FeatureAtlas.Web.JobServer;

/// <summary>
/// Runs the site's Hangfire server for as long as the site runs; on SQLite it also pumps the <c>jobs</c> table (jobs
/// queued by <c>atlas … --enqueue</c>, and those a previous run left unfinished) into the in-memory queue.
/// </summary>
internal sealed class InProcessJobServer(AtlasStores store, JobStorage storage) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private AtlasJobHost? _host;
    private Task _pump = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var services = new JobServices
        {
            Jobs = store.Jobs, Corpora = store.Corpora, Models = store.Models, Dashboards = store.Dashboards, Explanations = store.Explanations, Maps = store.Umaps, Evals = store.Evals, Analyses = store.Analyses, Graphs = store.Graphs,
        };
        _host = AtlasJobHost.Start(services, storage, workers: 1, shutdownTimeout: TimeSpan.FromSeconds(10));
        if (store.Database.Provider == AtlasProvider.Sqlite) _pump = new JobPump(store.Jobs, _host.Client).RunAsync(TimeSpan.FromSeconds(2), _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await _pump;
        }
        catch (OperationCanceledException)
        {
            // Stopped as asked.
        }
        _host?.Dispose();
        _host = null;
    }

    public void Dispose()
    {
        _host?.Dispose();
        _stopping.Dispose();
    }
}
