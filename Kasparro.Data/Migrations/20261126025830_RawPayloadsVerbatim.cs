using System.Text.Json;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// Raw payloads are stored as <c>json</c>, the text exactly as the source sent it, instead of <c>jsonb</c>, which
    /// re-orders keys, drops repeated ones and rewrites numbers (8.08e-06 came back as 0.00000808): a payload can now
    /// be checked against its content hash. It is also cheaper to store than jsonb
    /// (docs/performance.md, Load path). Rows stored before keep jsonb's rewriting of their text.
    /// </summary>
    public partial class RawPayloadsVerbatim : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<JsonDocument>(
                name: "payload",
                table: "raw_records",
                type: "json",
                nullable: false,
                oldClrType: typeof(JsonDocument),
                oldType: "jsonb")
                .Annotation("Npgsql:Compression:", "lz4")
                .OldAnnotation("Npgsql:Compression:", "lz4");

            // A new type resets the column's compression to the default, and EF sees no change to emit.
            migrationBuilder.Sql("ALTER TABLE raw_records ALTER COLUMN payload SET COMPRESSION lz4");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<JsonDocument>(
                name: "payload",
                table: "raw_records",
                type: "jsonb",
                nullable: false,
                oldClrType: typeof(JsonDocument),
                oldType: "json")
                .Annotation("Npgsql:Compression:", "lz4")
                .OldAnnotation("Npgsql:Compression:", "lz4");

            migrationBuilder.Sql("ALTER TABLE raw_records ALTER COLUMN payload SET COMPRESSION lz4");
        }
    }
}
