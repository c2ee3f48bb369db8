namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>The app on SQLite working on one request at a time with no queue, for the overload-shedding tests.</summary>
public sealed class SheddingAtlasApp : AtlasApp
{
    protected override string Provider => TestDatabase.Sqlite;

    protected override int MaxConcurrentRequests => 1;

    protected override int MaxQueuedRequests => 0;
}
