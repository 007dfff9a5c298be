using System.Text.Json;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <inheritdoc />
    public partial class PriceHistoryCoveringKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_price_history_asset_id_observed_at",
                table: "price_history");

            migrationBuilder.AlterColumn<JsonDocument>(
                name: "payload",
                table: "raw_records",
                type: "jsonb",
                nullable: false,
                oldClrType: typeof(JsonDocument),
                oldType: "jsonb")
                .Annotation("Npgsql:Compression:", "lz4");

            migrationBuilder.AlterColumn<string>(
                name: "source_id",
                table: "price_history",
                type: "text",
                nullable: false,
                collation: "C",
                oldClrType: typeof(string),
                oldType: "text");

            migrationBuilder.AlterColumn<string>(
                name: "source",
                table: "price_history",
                type: "text",
                nullable: false,
                collation: "C",
                oldClrType: typeof(string),
                oldType: "text");

            // EF cannot express INCLUDE on a key. The covering key serves both the writer's ON CONFLICT and the
            // history reads (index-only), replacing the (asset_id, observed_at) index dropped above.
            migrationBuilder.Sql("""
                ALTER TABLE price_history DROP CONSTRAINT pk_price_history,
                    ADD CONSTRAINT pk_price_history PRIMARY KEY (source, source_id, observed_at)
                        INCLUDE (price_usd, market_cap_usd, volume_24h_usd)
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE price_history DROP CONSTRAINT pk_price_history,
                    ADD CONSTRAINT pk_price_history PRIMARY KEY (source, source_id, observed_at)
                """);

            migrationBuilder.AlterColumn<JsonDocument>(
                name: "payload",
                table: "raw_records",
                type: "jsonb",
                nullable: false,
                oldClrType: typeof(JsonDocument),
                oldType: "jsonb")
                .OldAnnotation("Npgsql:Compression:", "lz4");

            migrationBuilder.AlterColumn<string>(
                name: "source_id",
                table: "price_history",
                type: "text",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "text",
                oldCollation: "C");

            migrationBuilder.AlterColumn<string>(
                name: "source",
                table: "price_history",
                type: "text",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "text",
                oldCollation: "C");

            migrationBuilder.CreateIndex(
                name: "ix_price_history_asset_id_observed_at",
                table: "price_history",
                columns: new[] { "asset_id", "observed_at" });
        }
    }
}
