using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data;

/// <summary>The schema on PostgreSQL; its migrations live in Migrations/Postgres.</summary>
public sealed class PostgresAtlasDbContext(DbContextOptions<PostgresAtlasDbContext> options) : AtlasDbContext(options);
