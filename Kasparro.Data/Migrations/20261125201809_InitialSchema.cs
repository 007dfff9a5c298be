using System;
using System.Text.Json;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "assets",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    symbol = table.Column<string>(type: "text", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    market_cap_usd = table.Column<decimal>(type: "numeric", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_assets", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "etl_checkpoints",
                columns: table => new
                {
                    key = table.Column<string>(type: "text", nullable: false),
                    source = table.Column<string>(type: "text", nullable: false),
                    watermark = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    position = table.Column<string>(type: "text", nullable: true),
                    run_id = table.Column<long>(type: "bigint", nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_etl_checkpoints", x => x.key);
                });

            migrationBuilder.CreateTable(
                name: "etl_runs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    source = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    trigger = table.Column<string>(type: "text", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    duration_ms = table.Column<long>(type: "bigint", nullable: true),
                    fetched = table.Column<int>(type: "integer", nullable: false),
                    inserted = table.Column<int>(type: "integer", nullable: false),
                    updated = table.Column<int>(type: "integer", nullable: false),
                    unchanged = table.Column<int>(type: "integer", nullable: false),
                    quarantined = table.Column<int>(type: "integer", nullable: false),
                    requests = table.Column<int>(type: "integer", nullable: false),
                    retries = table.Column<int>(type: "integer", nullable: false),
                    error_message = table.Column<string>(type: "text", nullable: true),
                    trigger_id = table.Column<string>(type: "text", nullable: true),
                    worker = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_etl_runs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "normalized_records",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    source = table.Column<string>(type: "text", nullable: false),
                    source_id = table.Column<string>(type: "text", nullable: false),
                    asset_id = table.Column<string>(type: "text", nullable: true),
                    ticker = table.Column<string>(type: "text", nullable: false),
                    name = table.Column<string>(type: "text", nullable: true),
                    price_usd = table.Column<decimal>(type: "numeric", nullable: false),
                    market_cap_usd = table.Column<decimal>(type: "numeric", nullable: true),
                    volume_24h_usd = table.Column<decimal>(type: "numeric", nullable: true),
                    percent_change_24h = table.Column<decimal>(type: "numeric", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ingested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_normalized_records", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "price_history",
                columns: table => new
                {
                    source = table.Column<string>(type: "text", nullable: false),
                    source_id = table.Column<string>(type: "text", nullable: false),
                    observed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    asset_id = table.Column<string>(type: "text", nullable: true),
                    price_usd = table.Column<decimal>(type: "numeric", nullable: false),
                    market_cap_usd = table.Column<decimal>(type: "numeric", nullable: true),
                    volume_24h_usd = table.Column<decimal>(type: "numeric", nullable: true),
                    is_backfill = table.Column<bool>(type: "boolean", nullable: false),
                    run_id = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_price_history", x => new { x.source, x.source_id, x.observed_at });
                });

            migrationBuilder.CreateTable(
                name: "quarantined_records",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    source = table.Column<string>(type: "text", nullable: false),
                    run_id = table.Column<long>(type: "bigint", nullable: true),
                    source_id = table.Column<string>(type: "text", nullable: true),
                    location = table.Column<string>(type: "text", nullable: true),
                    reason = table.Column<string>(type: "text", nullable: false),
                    raw_content = table.Column<string>(type: "text", nullable: false),
                    quarantined_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_quarantined_records", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "raw_records",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    source = table.Column<string>(type: "text", nullable: false),
                    source_id = table.Column<string>(type: "text", nullable: false),
                    source_timestamp = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    content_hash = table.Column<string>(type: "text", nullable: false),
                    payload = table.Column<JsonDocument>(type: "jsonb", nullable: false),
                    run_id = table.Column<long>(type: "bigint", nullable: true),
                    ingested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_raw_records", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "schema_drift_events",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    source = table.Column<string>(type: "text", nullable: false),
                    field = table.Column<string>(type: "text", nullable: false),
                    kind = table.Column<string>(type: "text", nullable: false),
                    severity = table.Column<string>(type: "text", nullable: false),
                    suggestion = table.Column<string>(type: "text", nullable: true),
                    confidence = table.Column<decimal>(type: "numeric(4,3)", precision: 4, scale: 3, nullable: true),
                    first_seen = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_seen = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    count = table.Column<long>(type: "bigint", nullable: false),
                    first_run_id = table.Column<long>(type: "bigint", nullable: true),
                    last_run_id = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_schema_drift_events", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "asset_mappings",
                columns: table => new
                {
                    source = table.Column<string>(type: "text", nullable: false),
                    source_id = table.Column<string>(type: "text", nullable: false),
                    asset_id = table.Column<string>(type: "text", nullable: false),
                    rule = table.Column<string>(type: "text", nullable: false),
                    confidence = table.Column<decimal>(type: "numeric(4,3)", precision: 4, scale: 3, nullable: false),
                    is_manual = table.Column<bool>(type: "boolean", nullable: false),
                    note = table.Column<string>(type: "text", nullable: true),
                    linked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_asset_mappings", x => new { x.source, x.source_id });
                    table.ForeignKey(
                        name: "fk_asset_mappings_assets_asset_id",
                        column: x => x.asset_id,
                        principalTable: "assets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_asset_mappings_asset_id",
                table: "asset_mappings",
                column: "asset_id");

            migrationBuilder.CreateIndex(
                name: "ix_assets_symbol",
                table: "assets",
                column: "symbol");

            migrationBuilder.CreateIndex(
                name: "ix_etl_checkpoints_source",
                table: "etl_checkpoints",
                column: "source");

            migrationBuilder.CreateIndex(
                name: "ix_etl_runs_source_started_at",
                table: "etl_runs",
                columns: new[] { "source", "started_at" });

            migrationBuilder.CreateIndex(
                name: "ix_etl_runs_started_at",
                table: "etl_runs",
                column: "started_at");

            migrationBuilder.CreateIndex(
                name: "ix_etl_runs_status",
                table: "etl_runs",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "ix_etl_runs_trigger_id",
                table: "etl_runs",
                column: "trigger_id");

            migrationBuilder.CreateIndex(
                name: "ix_normalized_records_asset_id",
                table: "normalized_records",
                column: "asset_id");

            migrationBuilder.CreateIndex(
                name: "ix_normalized_records_created_at",
                table: "normalized_records",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_normalized_records_source_id",
                table: "normalized_records",
                columns: new[] { "source", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_normalized_records_source_source_id",
                table: "normalized_records",
                columns: new[] { "source", "source_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_normalized_records_ticker_id",
                table: "normalized_records",
                columns: new[] { "ticker", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_price_history_asset_id_observed_at",
                table: "price_history",
                columns: new[] { "asset_id", "observed_at" });

            migrationBuilder.CreateIndex(
                name: "ix_quarantined_records_run_id",
                table: "quarantined_records",
                column: "run_id");

            migrationBuilder.CreateIndex(
                name: "ix_quarantined_records_source_quarantined_at",
                table: "quarantined_records",
                columns: new[] { "source", "quarantined_at" });

            migrationBuilder.CreateIndex(
                name: "ix_raw_records_source_content_hash",
                table: "raw_records",
                columns: new[] { "source", "content_hash" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_raw_records_source_source_id",
                table: "raw_records",
                columns: new[] { "source", "source_id" });

            migrationBuilder.CreateIndex(
                name: "ix_schema_drift_events_source_field_kind",
                table: "schema_drift_events",
                columns: new[] { "source", "field", "kind" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "asset_mappings");

            migrationBuilder.DropTable(
                name: "etl_checkpoints");

            migrationBuilder.DropTable(
                name: "etl_runs");

            migrationBuilder.DropTable(
                name: "normalized_records");

            migrationBuilder.DropTable(
                name: "price_history");

            migrationBuilder.DropTable(
                name: "quarantined_records");

            migrationBuilder.DropTable(
                name: "raw_records");

            migrationBuilder.DropTable(
                name: "schema_drift_events");

            migrationBuilder.DropTable(
                name: "assets");
        }
    }
}
