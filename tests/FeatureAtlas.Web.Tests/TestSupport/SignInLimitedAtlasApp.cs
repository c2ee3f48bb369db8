
namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>The app on SQLite allowing <see cref="SignIns"/> sign-in attempts a minute per network address.</summary>
public sealed class SignInLimitedAtlasApp : AtlasApp
{
    public const int SignIns = 4;

    protected override string Provider => TestDatabase.Sqlite;

    protected override int SignInsPerMinute => SignIns;
}
