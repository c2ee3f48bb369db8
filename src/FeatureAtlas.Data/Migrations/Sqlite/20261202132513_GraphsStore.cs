using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FeatureAtlas.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class GraphsStore : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "graphs",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    model_id = table.Column<int>(type: "INTEGER", nullable: false),
                    slug = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    user_id = table.Column<int>(type: "INTEGER", nullable: true),
                    prompt = table.Column<string>(type: "TEXT", nullable: false),
                    settings_json = table.Column<string>(type: "TEXT", nullable: false),
                    node_count = table.Column<int>(type: "INTEGER", nullable: false),
                    link_count = table.Column<int>(type: "INTEGER", nullable: false),
                    json_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    compressed = table.Column<bool>(type: "INTEGER", nullable: false),
                    json = table.Column<byte[]>(type: "BLOB", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_graphs", x => x.id);
                    table.ForeignKey(
                        name: "FK_graphs_models_model_id",
                        column: x => x.model_id,
                        principalTable: "models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_graphs_users_user_id",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "IX_graphs_model_id_slug",
                table: "graphs",
                columns: new[] { "model_id", "slug" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_graphs_user_id",
                table: "graphs",
                column: "user_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "graphs");
        }
    }
}
