using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FeatureAtlas.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class JointUmaps : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "joint_umaps",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    model_id = table.Column<int>(type: "INTEGER", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_joint_umaps", x => x.id);
                    table.ForeignKey(
                        name: "FK_joint_umaps_models_model_id",
                        column: x => x.model_id,
                        principalTable: "models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "joint_umap_saes",
                columns: table => new
                {
                    map_id = table.Column<int>(type: "INTEGER", nullable: false),
                    sae_id = table.Column<int>(type: "INTEGER", nullable: false),
                    position = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_joint_umap_saes", x => new { x.map_id, x.sae_id });
                    table.ForeignKey(
                        name: "FK_joint_umap_saes_joint_umaps_map_id",
                        column: x => x.map_id,
                        principalTable: "joint_umaps",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_joint_umap_saes_saes_sae_id",
                        column: x => x.sae_id,
                        principalTable: "saes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "joint_umap_points",
                columns: table => new
                {
                    map_id = table.Column<int>(type: "INTEGER", nullable: false),
                    sae_id = table.Column<int>(type: "INTEGER", nullable: false),
                    feature_index = table.Column<int>(type: "INTEGER", nullable: false),
                    x = table.Column<float>(type: "REAL", nullable: false),
                    y = table.Column<float>(type: "REAL", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_joint_umap_points", x => new { x.map_id, x.sae_id, x.feature_index });
                    table.ForeignKey(
                        name: "FK_joint_umap_points_joint_umap_saes_map_id_sae_id",
                        columns: x => new { x.map_id, x.sae_id },
                        principalTable: "joint_umap_saes",
                        principalColumns: new[] { "map_id", "sae_id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_joint_umap_saes_map_id_position",
                table: "joint_umap_saes",
                columns: new[] { "map_id", "position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_joint_umap_saes_sae_id",
                table: "joint_umap_saes",
                column: "sae_id");

            migrationBuilder.CreateIndex(
                name: "IX_joint_umaps_model_id_name",
                table: "joint_umaps",
                columns: new[] { "model_id", "name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "joint_umap_points");

            migrationBuilder.DropTable(
                name: "joint_umap_saes");

            migrationBuilder.DropTable(
                name: "joint_umaps");
        }
    }
}
