using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FeatureAtlas.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SaeBenchMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "decoder_fraction_variance_explained",
                table: "sae_evals",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "frac_alive",
                table: "sae_evals",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "freq_over10_percent",
                table: "sae_evals",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "freq_over1_percent",
                table: "sae_evals",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "imported_from",
                table: "sae_evals",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "kl_div_score",
                table: "sae_evals",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "kl_div_with_ablation",
                table: "sae_evals",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "kl_div_with_sae",
                table: "sae_evals",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "l1",
                table: "sae_evals",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "l2_norm_in",
                table: "sae_evals",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "l2_norm_out",
                table: "sae_evals",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "l2_ratio",
                table: "sae_evals",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "relative_reconstruction_bias",
                table: "sae_evals",
                type: "REAL",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "decoder_fraction_variance_explained",
                table: "sae_evals");

            migrationBuilder.DropColumn(
                name: "frac_alive",
                table: "sae_evals");

            migrationBuilder.DropColumn(
                name: "freq_over10_percent",
                table: "sae_evals");

            migrationBuilder.DropColumn(
                name: "freq_over1_percent",
                table: "sae_evals");

            migrationBuilder.DropColumn(
                name: "imported_from",
                table: "sae_evals");

            migrationBuilder.DropColumn(
                name: "kl_div_score",
                table: "sae_evals");

            migrationBuilder.DropColumn(
                name: "kl_div_with_ablation",
                table: "sae_evals");

            migrationBuilder.DropColumn(
                name: "kl_div_with_sae",
                table: "sae_evals");

            migrationBuilder.DropColumn(
                name: "l1",
                table: "sae_evals");

            migrationBuilder.DropColumn(
                name: "l2_norm_in",
                table: "sae_evals");

            migrationBuilder.DropColumn(
                name: "l2_norm_out",
                table: "sae_evals");

            migrationBuilder.DropColumn(
                name: "l2_ratio",
                table: "sae_evals");

            migrationBuilder.DropColumn(
                name: "relative_reconstruction_bias",
                table: "sae_evals");
        }
    }
}
