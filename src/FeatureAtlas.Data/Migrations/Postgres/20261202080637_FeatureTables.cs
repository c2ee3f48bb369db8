using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FeatureAtlas.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class FeatureTables : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "tables",
                table: "features",
                type: "bytea",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "tables",
                table: "features");
        }
    }
}
