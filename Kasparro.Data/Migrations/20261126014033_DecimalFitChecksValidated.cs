using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// Checks the rows stored before DecimalFitChecks against its constraints. A migration of its own, each statement
    /// outside a transaction: the scan holds only a SHARE UPDATE EXCLUSIVE lock, so the API keeps reading and writers
    /// keep writing while a large history is validated, and a failure leaves DecimalFitChecks applied (new writes are
    /// checked) with only this step to rerun. A stored value that does not fit fails it with the constraint's name; find
    /// such rows with <c>WHERE NOT fits_dotnet_decimal(column)</c>, correct them and start again.
    /// </summary>
    public partial class DecimalFitChecksValidated : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, name, _) in DecimalFitChecks.Checks)
            {
                // Validating a constraint that is already valid does nothing, so a rerun is safe.
                migrationBuilder.Sql($"ALTER TABLE {table} VALIDATE CONSTRAINT {name}", suppressTransaction: true);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Nothing to undo: a validated constraint is dropped by DecimalFitChecks' Down.
        }
    }
}
