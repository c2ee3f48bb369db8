using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace FeatureAtlas.Data.Migrations.Sqlite;

/// <summary>
/// Lets dotnet-ef build <see cref="SqliteAtlasDbContext"/> to add migrations:
/// <c>dotnet ef migrations add NAME -p src/FeatureAtlas.Data -c SqliteAtlasDbContext -o Migrations/Sqlite</c>.
/// </summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteAtlasDbContext>
{
    public SqliteAtlasDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteAtlasDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
