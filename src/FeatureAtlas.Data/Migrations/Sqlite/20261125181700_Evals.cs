using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FeatureAtlas.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Evals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "sae_evals",
                columns: table => new
                {
                    sae_id = table.Column<int>(type: "INTEGER", nullable: false),
                    corpus = table.Column<string>(type: "TEXT", nullable: false),
                    tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    l0 = table.Column<double>(type: "REAL", nullable: false),
                    mse = table.Column<double>(type: "REAL", nullable: false),
                    explained_variance = table.Column<double>(type: "REAL", nullable: false),
                    cosine_similarity = table.Column<double>(type: "REAL", nullable: false),
                    ce_loss_clean = table.Column<double>(type: "REAL", nullable: false),
                    ce_loss_with_sae = table.Column<double>(type: "REAL", nullable: false),
                    ce_loss_zero_ablation = table.Column<double>(type: "REAL", nullable: false),
                    ce_loss_recovered = table.Column<double>(type: "REAL", nullable: false),
                    dead_features = table.Column<int>(type: "INTEGER", nullable: false),
                    dense_features = table.Column<int>(type: "INTEGER", nullable: false),
                    histogram_min = table.Column<double>(type: "REAL", nullable: false),
                    histogram_max = table.Column<double>(type: "REAL", nullable: false),
                    histogram_json = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sae_evals", x => x.sae_id);
                    table.ForeignKey(
                        name: "FK_sae_evals_saes_sae_id",
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
                name: "sae_evals");
        }
    }
}
