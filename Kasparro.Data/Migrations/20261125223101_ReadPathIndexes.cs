using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// Makes the history index covering: (asset_id, observed_at) INCLUDE (source, price_usd, market_cap_usd,
    /// volume_24h_usd), replacing the plain (asset_id, observed_at) index rather than adding a second one (each index
    /// slows the load path). One asset's points are spread over the whole table (rows arrive in time order, all assets
    /// interleaved), so a year of one asset read ~9,600 heap pages; now it is an index-only scan of ~200 index pages
    /// (a year hourly for two sources: 4 ms instead of 55-110 ms).
    /// </summary>
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
