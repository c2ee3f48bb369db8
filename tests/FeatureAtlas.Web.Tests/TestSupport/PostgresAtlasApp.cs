
namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>
/// The app over a throwaway PostgreSQL database on the server in ATLAS_TEST_POSTGRES. Without one it does not start
/// and its tests report skipped (<see cref="AtlasApp.SkipWhenUnavailable"/>); under CI=true it fails instead: CI must test both providers.
/// </summary>
public sealed class PostgresAtlasApp : AtlasApp
{
    protected override string Provider => TestDatabase.Postgres;
}
