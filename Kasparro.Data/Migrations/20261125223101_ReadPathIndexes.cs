using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <inheritdoc />
    public partial class ReadPathIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_price_history_asset_id_observed_at",
                table: "price_history");

            migrationBuilder.CreateIndex(
                name: "ix_price_history_asset_id_observed_at",
                table: "price_history",
                columns: new[] { "asset_id", "observed_at" })
                .Annotation("Npgsql:IndexInclude", new[] { "source", "price_usd", "market_cap_usd", "volume_24h_usd" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_price_history_asset_id_observed_at",
                table: "price_history");

            migrationBuilder.CreateIndex(
                name: "ix_price_history_asset_id_observed_at",
                table: "price_history",
                columns: new[] { "asset_id", "observed_at" });
        }
    }
}
