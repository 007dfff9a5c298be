using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// GET /data?ticker= matches case-insensitively (<c>upper(ticker) = @ticker</c>), which the (ticker, id) index
    /// cannot serve: the planner walked the whole primary key and filtered (docs/performance.md, Read path).
    /// An expression index on (upper(ticker), id) serves both the filter and the page's order by id.
    /// EF Core cannot model expression indexes, hence SQL.
    /// </summary>
    public partial class NormalizedRecordsUpperTickerIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("CREATE INDEX ix_normalized_records_upper_ticker_id ON normalized_records (upper(ticker), id);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX ix_normalized_records_upper_ticker_id;");
        }
    }
}
