using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FeatureAtlas.Data.Migrations.Postgres
{
    /// <summary>
    /// Explanation search reads each explanation's English tsvector from a stored generated column (<c>text_search</c>,
    /// GIN-indexed) instead of parsing its text again to rank it: a common word matching 98,000 of 588,000 explanations
    /// ranked in 67 ms instead of 440 ms on one core. The column is PostgreSQL's alone and unmapped (the store's search
    /// SQL names it), so no model change and no target model. Each statement may run again (a history that lost this
    /// migration reapplies it).
    /// </summary>
    [DbContext(typeof(PostgresAtlasDbContext))]
    [Migration("20261205090000_ExplanationSearchVector")]
    public partial class ExplanationSearchVector : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE explanations ADD COLUMN IF NOT EXISTS text_search tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED;");
            migrationBuilder.Sql("CREATE INDEX IF NOT EXISTS ix_explanations_text_search ON explanations USING GIN (text_search);");
            migrationBuilder.Sql("DROP INDEX IF EXISTS ix_explanations_text_fts;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("CREATE INDEX IF NOT EXISTS ix_explanations_text_fts ON explanations USING GIN (to_tsvector('english', text));");
            migrationBuilder.Sql("DROP INDEX IF EXISTS ix_explanations_text_search;");
            migrationBuilder.Sql("ALTER TABLE explanations DROP COLUMN IF EXISTS text_search;");
        }
    }
}
