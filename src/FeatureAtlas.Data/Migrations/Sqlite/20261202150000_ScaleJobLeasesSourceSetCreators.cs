using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FeatureAtlas.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ScaleJobLeasesSourceSetCreators : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "creator_id",
                table: "source_sets",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "url",
                table: "source_sets",
                type: "TEXT",
                maxLength: 512,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "heartbeat_at",
                table: "jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "subject",
                table: "jobs",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_source_sets_creator_id",
                table: "source_sets",
                column: "creator_id");

            migrationBuilder.CreateIndex(
                name: "IX_jobs_subject",
                table: "jobs",
                column: "subject");

            migrationBuilder.AddForeignKey(
                name: "FK_source_sets_users_creator_id",
                table: "source_sets",
                column: "creator_id",
                principalTable: "users",
                principalColumn: "id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_source_sets_users_creator_id",
                table: "source_sets");

            migrationBuilder.DropIndex(
                name: "IX_source_sets_creator_id",
                table: "source_sets");

            migrationBuilder.DropIndex(
                name: "IX_jobs_subject",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "creator_id",
                table: "source_sets");

            migrationBuilder.DropColumn(
                name: "url",
                table: "source_sets");

            migrationBuilder.DropColumn(
                name: "heartbeat_at",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "subject",
                table: "jobs");
        }
    }
}
