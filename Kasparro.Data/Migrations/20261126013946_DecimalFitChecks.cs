using System.Globalization;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// Refuses, at write time, a value the services could not read back as a decimal (<see cref="DecimalFit"/>):
    /// creates <c>fits_dotnet_decimal(numeric)</c> and a CHECK constraint per table on every value column the API reads.
    /// The function is inlined into the constraint (one array lookup and one comparison per column): the obvious
    /// <c>abs(v) * 10 ^ scale(v) &lt;= max</c> costs the bulk load far more (both measured in docs/performance.md, Load path).
    /// </summary>
    public partial class DecimalFitChecks : Migration
    {
        /// <summary>Table, constraint name and expression; DecimalFitChecksValidated validates the same constraints.</summary>
        internal static readonly (string Table, string Name, string Sql)[] Checks =
        [
            ("price_history", "ck_price_history_values_fit_decimal",
                "fits_dotnet_decimal(price_usd) AND fits_dotnet_decimal(market_cap_usd) AND fits_dotnet_decimal(volume_24h_usd)"),
            ("normalized_records", "ck_normalized_records_values_fit_decimal",
                "fits_dotnet_decimal(price_usd) AND fits_dotnet_decimal(market_cap_usd) AND fits_dotnet_decimal(volume_24h_usd) AND fits_dotnet_decimal(percent_change_24h)"),
            ("assets", "ck_assets_values_fit_decimal", "fits_dotnet_decimal(market_cap_usd)"),
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Element s is the largest decimal with s fractional digits (all 96 mantissa bits set, scale s): a value
            // with scale s fits exactly when its absolute value is at most that. A scale above 28 finds no element and
            // NaN or infinity have no scale: both compare with -1, so they fail; a null stays null and passes.
            var largest = Enumerable.Range(0, 29).Select(scale => new decimal(-1, -1, -1, false, (byte)scale).ToString(CultureInfo.InvariantCulture));
            // SQL language, immutable, one expression: PostgreSQL inlines it into the constraint, so a COPY pays no call.
            migrationBuilder.Sql($$"""
                CREATE FUNCTION fits_dotnet_decimal(value numeric) RETURNS boolean
                    LANGUAGE sql IMMUTABLE PARALLEL SAFE
                    AS $$ SELECT abs(value) <= coalesce(('[0:28]={{{string.Join(',', largest)}}}'::numeric[])[scale(value)], -1) $$
                """);

            // NOT VALID: adding the constraint holds the table's exclusive lock only for a moment, not for a scan of the
            // existing rows; new writes are checked from here on. DecimalFitChecksValidated then checks the existing rows.
            foreach (var (table, name, sql) in Checks)
            {
                migrationBuilder.Sql($"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({sql}) NOT VALID");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, name, _) in Checks)
            {
                migrationBuilder.DropCheckConstraint(name: name, table: table);
            }

            migrationBuilder.Sql("DROP FUNCTION fits_dotnet_decimal(numeric)");
        }
    }
}
