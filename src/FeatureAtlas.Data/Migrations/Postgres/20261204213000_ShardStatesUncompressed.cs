using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FeatureAtlas.Data.Migrations.Postgres
{
    /// <summary>
    /// A shard's saved state (hundreds of MB of sums at GPT-2 small's SAE widths) is stored out of line without
    /// compression: PostgreSQL's pglz found just enough repeats in it to keep trying, and spent a core for seconds on
    /// every save and read for little gain. No model change, so no target model.
    /// </summary>
    [DbContext(typeof(PostgresAtlasDbContext))]
    [Migration("20261204213000_ShardStatesUncompressed")]
    public partial class ShardStatesUncompressed : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("ALTER TABLE job_shards ALTER COLUMN state SET STORAGE EXTERNAL;");

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("ALTER TABLE job_shards ALTER COLUMN state SET STORAGE EXTENDED;");
    }
}
