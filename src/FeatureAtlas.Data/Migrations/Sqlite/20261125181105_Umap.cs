using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FeatureAtlas.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Umap : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "umap_points",
                columns: table => new
                {
                    sae_id = table.Column<int>(type: "INTEGER", nullable: false),
                    feature_index = table.Column<int>(type: "INTEGER", nullable: false),
                    x = table.Column<float>(type: "REAL", nullable: false),
                    y = table.Column<float>(type: "REAL", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_umap_points", x => new { x.sae_id, x.feature_index });
                    table.ForeignKey(
                        name: "FK_umap_points_saes_sae_id",
                        column: x => x.sae_id,
                        principalTable: "saes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "umap_points");
        }
    }
}
