using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FeatureAtlas.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AnalysisFeatureAnalysis : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "analysis",
                table: "features",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "analysis_summary_json",
                table: "dashboard_runs",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "analysis",
                table: "features");

            migrationBuilder.DropColumn(
                name: "analysis_summary_json",
                table: "dashboard_runs");
        }
    }
}
