using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FeatureAtlas.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ListNamesMayRepeat : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_lists_owner_id_name",
                table: "lists");

            migrationBuilder.CreateIndex(
                name: "IX_lists_owner_id_name",
                table: "lists",
                columns: new[] { "owner_id", "name" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_lists_owner_id_name",
                table: "lists");

            migrationBuilder.CreateIndex(
                name: "IX_lists_owner_id_name",
                table: "lists",
                columns: new[] { "owner_id", "name" },
                unique: true);
        }
    }
}
