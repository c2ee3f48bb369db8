using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FeatureAtlas.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "corpora",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    name = table.Column<string>(type: "TEXT", nullable: false),
                    source = table.Column<string>(type: "TEXT", nullable: false),
                    context = table.Column<int>(type: "INTEGER", nullable: false),
                    windows = table.Column<int>(type: "INTEGER", nullable: false),
                    tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_corpora", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "models",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    name = table.Column<string>(type: "TEXT", nullable: false),
                    path = table.Column<string>(type: "TEXT", nullable: true),
                    config_json = table.Column<string>(type: "TEXT", nullable: false),
                    layers = table.Column<int>(type: "INTEGER", nullable: false),
                    d_model = table.Column<int>(type: "INTEGER", nullable: false),
                    vocab = table.Column<int>(type: "INTEGER", nullable: false),
                    display_name = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_models", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "users",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    name = table.Column<string>(type: "TEXT", nullable: false),
                    email = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    is_admin = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_users", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "corpus_windows",
                columns: table => new
                {
                    corpus_id = table.Column<int>(type: "INTEGER", nullable: false),
                    window_index = table.Column<int>(type: "INTEGER", nullable: false),
                    token_ids = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_corpus_windows", x => new { x.corpus_id, x.window_index });
                    table.ForeignKey(
                        name: "FK_corpus_windows_corpora_corpus_id",
                        column: x => x.corpus_id,
                        principalTable: "corpora",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "saes",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    model_id = table.Column<int>(type: "INTEGER", nullable: false),
                    name = table.Column<string>(type: "TEXT", nullable: false),
                    path = table.Column<string>(type: "TEXT", nullable: true),
                    hook_name = table.Column<string>(type: "TEXT", nullable: false),
                    layer = table.Column<int>(type: "INTEGER", nullable: false),
                    d_in = table.Column<int>(type: "INTEGER", nullable: false),
                    d_sae = table.Column<int>(type: "INTEGER", nullable: false),
                    architecture = table.Column<string>(type: "TEXT", nullable: false),
                    cfg_json = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_saes", x => x.id);
                    table.ForeignKey(
                        name: "FK_saes_models_model_id",
                        column: x => x.model_id,
                        principalTable: "models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "lists",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    owner_id = table.Column<int>(type: "INTEGER", nullable: false),
                    name = table.Column<string>(type: "TEXT", nullable: false),
                    description = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_lists", x => x.id);
                    table.ForeignKey(
                        name: "FK_lists_users_owner_id",
                        column: x => x.owner_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "comments",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    user_id = table.Column<int>(type: "INTEGER", nullable: false),
                    sae_id = table.Column<int>(type: "INTEGER", nullable: false),
                    feature_index = table.Column<int>(type: "INTEGER", nullable: false),
                    text = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_comments", x => x.id);
                    table.ForeignKey(
                        name: "FK_comments_saes_sae_id",
                        column: x => x.sae_id,
                        principalTable: "saes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_comments_users_user_id",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "dashboard_runs",
                columns: table => new
                {
                    sae_id = table.Column<int>(type: "INTEGER", nullable: false),
                    corpus_id = table.Column<int>(type: "INTEGER", nullable: false),
                    total_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    windows = table.Column<int>(type: "INTEGER", nullable: false),
                    dead_features = table.Column<int>(type: "INTEGER", nullable: false),
                    log_density_bins = table.Column<int>(type: "INTEGER", nullable: false),
                    log_density_min = table.Column<double>(type: "REAL", nullable: false),
                    log_density_max = table.Column<double>(type: "REAL", nullable: false),
                    log_density_heights = table.Column<byte[]>(type: "BLOB", nullable: false),
                    log_density_centres = table.Column<byte[]>(type: "BLOB", nullable: true),
                    options_json = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_dashboard_runs", x => x.sae_id);
                    table.ForeignKey(
                        name: "FK_dashboard_runs_corpora_corpus_id",
                        column: x => x.corpus_id,
                        principalTable: "corpora",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_dashboard_runs_saes_sae_id",
                        column: x => x.sae_id,
                        principalTable: "saes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "explanations",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    sae_id = table.Column<int>(type: "INTEGER", nullable: false),
                    feature_index = table.Column<int>(type: "INTEGER", nullable: false),
                    text = table.Column<string>(type: "TEXT", nullable: false),
                    method = table.Column<string>(type: "TEXT", nullable: false),
                    author_id = table.Column<int>(type: "INTEGER", nullable: true),
                    model_name = table.Column<string>(type: "TEXT", nullable: true),
                    scores_json = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_explanations", x => x.id);
                    table.ForeignKey(
                        name: "FK_explanations_saes_sae_id",
                        column: x => x.sae_id,
                        principalTable: "saes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_explanations_users_author_id",
                        column: x => x.author_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "features",
                columns: table => new
                {
                    sae_id = table.Column<int>(type: "INTEGER", nullable: false),
                    feature_index = table.Column<int>(type: "INTEGER", nullable: false),
                    frac_nonzero = table.Column<double>(type: "REAL", nullable: false),
                    nonzero_count = table.Column<long>(type: "INTEGER", nullable: false),
                    max_activation = table.Column<float>(type: "REAL", nullable: false),
                    min_nonzero_activation = table.Column<float>(type: "REAL", nullable: false),
                    histogram_bins = table.Column<int>(type: "INTEGER", nullable: false),
                    histogram_min = table.Column<double>(type: "REAL", nullable: false),
                    histogram_max = table.Column<double>(type: "REAL", nullable: false),
                    histogram_heights = table.Column<byte[]>(type: "BLOB", nullable: false),
                    histogram_centres = table.Column<byte[]>(type: "BLOB", nullable: true),
                    logit_positive_tokens = table.Column<byte[]>(type: "BLOB", nullable: true),
                    logit_positive_values = table.Column<byte[]>(type: "BLOB", nullable: true),
                    logit_negative_tokens = table.Column<byte[]>(type: "BLOB", nullable: true),
                    logit_negative_values = table.Column<byte[]>(type: "BLOB", nullable: true),
                    logit_histogram_bins = table.Column<int>(type: "INTEGER", nullable: true),
                    logit_histogram_min = table.Column<double>(type: "REAL", nullable: true),
                    logit_histogram_max = table.Column<double>(type: "REAL", nullable: true),
                    logit_histogram_heights = table.Column<byte[]>(type: "BLOB", nullable: true),
                    logit_histogram_centres = table.Column<byte[]>(type: "BLOB", nullable: true),
                    examples = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_features", x => new { x.sae_id, x.feature_index });
                    table.ForeignKey(
                        name: "FK_features_saes_sae_id",
                        column: x => x.sae_id,
                        principalTable: "saes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "stars",
                columns: table => new
                {
                    user_id = table.Column<int>(type: "INTEGER", nullable: false),
                    sae_id = table.Column<int>(type: "INTEGER", nullable: false),
                    feature_index = table.Column<int>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_stars", x => new { x.user_id, x.sae_id, x.feature_index });
                    table.ForeignKey(
                        name: "FK_stars_saes_sae_id",
                        column: x => x.sae_id,
                        principalTable: "saes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_stars_users_user_id",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "list_items",
                columns: table => new
                {
                    list_id = table.Column<int>(type: "INTEGER", nullable: false),
                    sae_id = table.Column<int>(type: "INTEGER", nullable: false),
                    feature_index = table.Column<int>(type: "INTEGER", nullable: false),
                    note = table.Column<string>(type: "TEXT", nullable: true),
                    added_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_list_items", x => new { x.list_id, x.sae_id, x.feature_index });
                    table.ForeignKey(
                        name: "FK_list_items_lists_list_id",
                        column: x => x.list_id,
                        principalTable: "lists",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_list_items_saes_sae_id",
                        column: x => x.sae_id,
                        principalTable: "saes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_comments_sae_id_feature_index",
                table: "comments",
                columns: new[] { "sae_id", "feature_index" });

            migrationBuilder.CreateIndex(
                name: "IX_comments_user_id",
                table: "comments",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "IX_corpora_name",
                table: "corpora",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_dashboard_runs_corpus_id",
                table: "dashboard_runs",
                column: "corpus_id");

            migrationBuilder.CreateIndex(
                name: "IX_explanations_author_id",
                table: "explanations",
                column: "author_id");

            migrationBuilder.CreateIndex(
                name: "IX_explanations_sae_id_feature_index",
                table: "explanations",
                columns: new[] { "sae_id", "feature_index" });

            migrationBuilder.CreateIndex(
                name: "IX_list_items_sae_id",
                table: "list_items",
                column: "sae_id");

            migrationBuilder.CreateIndex(
                name: "IX_lists_owner_id_name",
                table: "lists",
                columns: new[] { "owner_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_models_name",
                table: "models",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_saes_model_id_name",
                table: "saes",
                columns: new[] { "model_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_stars_sae_id_feature_index",
                table: "stars",
                columns: new[] { "sae_id", "feature_index" });

            migrationBuilder.CreateIndex(
                name: "IX_users_email",
                table: "users",
                column: "email",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_users_name",
                table: "users",
                column: "name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "comments");

            migrationBuilder.DropTable(
                name: "corpus_windows");

            migrationBuilder.DropTable(
                name: "dashboard_runs");

            migrationBuilder.DropTable(
                name: "explanations");

            migrationBuilder.DropTable(
                name: "features");

            migrationBuilder.DropTable(
                name: "list_items");

            migrationBuilder.DropTable(
                name: "stars");

            migrationBuilder.DropTable(
                name: "corpora");

            migrationBuilder.DropTable(
                name: "lists");

            migrationBuilder.DropTable(
                name: "saes");

            migrationBuilder.DropTable(
                name: "users");

            migrationBuilder.DropTable(
                name: "models");
        }
    }
}
