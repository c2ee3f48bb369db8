using Hangfire.Logging;

namespace FeatureAtlas.Web.JobServer;

/// <summary>
/// Hangfire's log provider is process-global: left to Hangfire.AspNetCore it would hold the first site's logger
/// factory, which a process hosting one site after another (the tests, a restart in place) has disposed by the time
/// the next site logs. Jobs' outcomes and errors are in the <c>jobs</c> table and on <c>/admin/jobs</c>, so Hangfire's own
/// log lines are dropped.
/// </summary>
internal sealed class QuietHangfireLog : ILogProvider, ILog
{
    public ILog GetLogger(string name) => this;

    public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string> messageFunc, Exception exception) => false;
}
