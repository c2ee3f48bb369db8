namespace FeatureAtlas.Data;

/// <summary>The database engines FeatureAtlas stores into.</summary>
public enum AtlasProvider
{
    Sqlite,
    Postgres,
}
