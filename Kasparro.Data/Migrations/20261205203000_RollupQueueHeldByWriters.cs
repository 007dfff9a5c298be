using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// A write to price_points now holds the queue entries of the (series, UTC day) it touches until it commits, so the
    /// rollup step cannot take and remove an entry while a write of that day is still uncommitted. With
    /// <c>ON CONFLICT DO NOTHING</c> (migration <c>PriceRollups</c>) a writer whose day was already queued left no trace
    /// of itself: a rollup step could recompute that day without the writer's (invisible) points, remove the entry, and
    /// the points, committed a moment later, were never rolled up. <c>ON CONFLICT DO UPDATE ... WHERE false</c> locks the
    /// existing entry without writing a new row version; the rollup step takes entries with <c>FOR UPDATE SKIP LOCKED</c>,
    /// so it leaves a held entry for its next step, and a writer that comes second waits for the step to commit and then
    /// queues the day afresh. Entries are locked in key order (no deadlock between two writers of the same days), and
    /// the index serves the rollup step's "oldest first".
    /// </summary>
    public partial class RollupQueueHeldByWriters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(QueueFunction(
                "ORDER BY 1, 2 ON CONFLICT (series_id, day) DO UPDATE SET queued_at = " + HistoryRollups.QueueTable + ".queued_at WHERE false"));
            migrationBuilder.Sql($"CREATE INDEX ix_{HistoryRollups.QueueTable}_queued_at ON {HistoryRollups.QueueTable} (queued_at, day, series_id);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($"DROP INDEX ix_{HistoryRollups.QueueTable}_queued_at;");
            migrationBuilder.Sql(QueueFunction("ON CONFLICT DO NOTHING"));
        }

        /// <summary>The trigger function of migration <c>PriceRollups</c>, with <paramref name="onConflict"/> ending its inserts.</summary>
        private static string QueueFunction(string onConflict) => $$"""
            CREATE OR REPLACE FUNCTION queue_price_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'TRUNCATE' THEN
                    -- DELETE, not TRUNCATE: a TRUNCATE listing these tables too (a test reset) has them open.
                    DELETE FROM {{HistoryRollups.Hourly}};
                    DELETE FROM {{HistoryRollups.Daily}};
                    DELETE FROM {{HistoryRollups.QueueTable}};
                ELSIF TG_OP = 'UPDATE' THEN
                    INSERT INTO {{HistoryRollups.QueueTable}} (series_id, day)
                    SELECT DISTINCT series_id, date_trunc('day', observed_at, 'UTC')
                      FROM (SELECT series_id, observed_at FROM changed UNION ALL SELECT series_id, observed_at FROM changed_before) AS both_sides
                    {{onConflict}};
                ELSE
                    INSERT INTO {{HistoryRollups.QueueTable}} (series_id, day)
                    SELECT DISTINCT series_id, date_trunc('day', observed_at, 'UTC') FROM changed
                    {{onConflict}};
                END IF;
                RETURN NULL;
            END $$;
            """;
    }
}
