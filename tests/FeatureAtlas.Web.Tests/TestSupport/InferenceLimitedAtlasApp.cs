
namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>
/// The app on SQLite with an inference budget of <see cref="PerClient"/> requests a minute per client and
/// <see cref="PerAddress"/> per network address. Its model has no weights on disk, so a request within budget
/// answers 503 (the model cannot run here) and one over budget 429: the budget is spent before the model loads.
/// One fixture per test class: every test client shares the loopback address, so classes must not share budgets.
/// </summary>
public sealed class InferenceLimitedAtlasApp : AtlasApp
{
    public const int PerClient = 3;
    public const int PerAddress = 5;

    protected override string Provider => TestDatabase.Sqlite;

    protected override int InferencePerMinute => PerClient;

    protected override int InferencePerAddressPerMinute => PerAddress;
}
