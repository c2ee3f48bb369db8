using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data;

/// <summary>The schema on SQLite; its migrations live in Migrations/Sqlite.</summary>
public sealed class SqliteAtlasDbContext(DbContextOptions<SqliteAtlasDbContext> options) : AtlasDbContext(options);
