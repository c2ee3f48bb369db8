
namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>The app on SQLite with a write budget of <see cref="Writes"/> a minute per client, for the rate-limit tests.</summary>
public sealed class LimitedAtlasApp : AtlasApp
{
    public const int Writes = 3;

    protected override string Provider => TestDatabase.Sqlite;

    protected override int WritesPerMinute => Writes;
}
