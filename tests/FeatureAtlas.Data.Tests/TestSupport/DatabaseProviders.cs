namespace FeatureAtlas.Data.Tests.TestSupport;

/// <summary>
/// The providers every store test runs on. Kept in this assembly: xUnit's MemberData analyzer cannot read a member
/// of a referenced one (it throws "Sequence contains no elements").
/// </summary>
internal static class DatabaseProviders
{
    public static TheoryData<string> All => new() { TestDatabase.Sqlite, TestDatabase.Postgres };
}
