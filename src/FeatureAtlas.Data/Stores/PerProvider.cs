namespace FeatureAtlas.Data.Stores;

/// <summary>
/// One compiled query per database provider, compiled on first use: a compiled query binds to the EF model it first
/// runs on, so SQLite and PostgreSQL each need their own.
/// </summary>
internal sealed class PerProvider<T>(Func<T> compile) where T : class
{
    private readonly Lazy<T> _sqlite = new(compile);
    private readonly Lazy<T> _postgres = new(compile);

    public T For(AtlasProvider provider) => (provider == AtlasProvider.Sqlite ? _sqlite : _postgres).Value;

    public T For(AtlasDbContext db) => (db is SqliteAtlasDbContext ? _sqlite : _postgres).Value;
}
