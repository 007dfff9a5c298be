using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <inheritdoc />
    public partial class NormalizedRecordsHotUpdates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_normalized_records_created_at",
                table: "normalized_records");

            migrationBuilder.AlterTable(
                name: "normalized_records")
                .Annotation("Npgsql:StorageParameter:fillfactor", 70);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "normalized_records")
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 70);

            migrationBuilder.CreateIndex(
                name: "ix_normalized_records_created_at",
                table: "normalized_records",
                column: "created_at");
        }
    }
}
