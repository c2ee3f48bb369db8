using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace FeatureAtlas.Data.Migrations.Postgres;

/// <summary>
/// Lets dotnet-ef build <see cref="PostgresAtlasDbContext"/> to add migrations (no server is contacted):
/// <c>dotnet ef migrations add NAME -p src/FeatureAtlas.Data -c PostgresAtlasDbContext -o Migrations/Postgres</c>.
/// </summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresAtlasDbContext>
{
    public PostgresAtlasDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresAtlasDbContext>().UseNpgsql("Host=localhost;Database=atlas_design").Options);
}
