
namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>The app over a fresh SQLite file in its own temp folder.</summary>
public sealed class SqliteAtlasApp : AtlasApp
{
    protected override string Provider => TestDatabase.Sqlite;
}
