namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>
/// Page tests share one Chromium and one live app (tiny model, real dashboards), built once for all their classes;
/// the classes run one after another, which is also what two cores want.
/// </summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Chromium>, ICollectionFixture<LiveAtlasApp>
{
    public const string Name = "browser";
}
