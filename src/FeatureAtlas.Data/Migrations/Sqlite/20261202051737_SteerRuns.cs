using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FeatureAtlas.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SteerRuns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "steer_runs",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    model = table.Column<string>(type: "TEXT", nullable: false),
                    engine_version = table.Column<int>(type: "INTEGER", nullable: false),
                    settings_json = table.Column<string>(type: "TEXT", nullable: false),
                    result_json = table.Column<string>(type: "TEXT", nullable: false),
                    user_id = table.Column<int>(type: "INTEGER", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_steer_runs", x => x.id);
                    table.ForeignKey(
                        name: "FK_steer_runs_users_user_id",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "steer_vectors",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    user_id = table.Column<int>(type: "INTEGER", nullable: false),
                    model = table.Column<string>(type: "TEXT", nullable: false),
                    hook = table.Column<string>(type: "TEXT", nullable: false),
                    vector = table.Column<byte[]>(type: "BLOB", nullable: false),
                    label = table.Column<string>(type: "TEXT", nullable: false),
                    default_strength = table.Column<float>(type: "REAL", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_steer_vectors", x => x.id);
                    table.ForeignKey(
                        name: "FK_steer_vectors_users_user_id",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_steer_runs_hash",
                table: "steer_runs",
                column: "hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_steer_runs_user_id",
                table: "steer_runs",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "IX_steer_vectors_user_id",
                table: "steer_vectors",
                column: "user_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "steer_runs");

            migrationBuilder.DropTable(
                name: "steer_vectors");
        }
    }
}
