using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FeatureAtlas.Data.Migrations.Sqlite
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
                type: "BLOB",
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
