using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// <c>ensure_price_points_partitions</c> also survives two sessions creating the same month at the same instant: the
    /// later <c>CREATE TABLE</c> then waits on the earlier's uncommitted catalog row and fails with unique_violation on
    /// <c>pg_type</c> (not duplicate_table) once it commits; the month exists then, so the loser goes on as before.
    /// Found by two partition upkeeps running at once (PartitionUpkeepTests); concurrent writers into a new month hit it too.
    /// </summary>
    public partial class PartitionCreationRaceSafe : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(Function("duplicate_table OR unique_violation"));

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(Function("duplicate_table"));

        private static string Function(string lostRace) => $$"""
            CREATE OR REPLACE FUNCTION {{HistoryStorage.EnsurePartitionsFunction}}(times timestamptz[]) RETURNS integer LANGUAGE plpgsql AS $$
            DECLARE
                month_start timestamptz;
                partition text;
                created integer := 0;
            BEGIN
                FOR month_start IN SELECT DISTINCT date_trunc('month', t, 'UTC') FROM unnest(times) AS t WHERE t IS NOT NULL LOOP
                    partition := 'price_points_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYY_MM');
                    CONTINUE WHEN to_regclass(partition) IS NOT NULL;
                    BEGIN
                        EXECUTE format('CREATE TABLE %I (LIKE price_points INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', partition);
                        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (observed_at >= %L AND observed_at < %L)',
                            partition, partition || '_bounds', month_start, month_start + interval '1 month');
                        EXECUTE format('ALTER TABLE price_points ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                            partition, month_start, month_start + interval '1 month');
                        created := created + 1;
                    EXCEPTION WHEN {{lostRace}} THEN
                        NULL;
                    END;
                END LOOP;
                RETURN created;
            END $$;
            """;
    }
}
