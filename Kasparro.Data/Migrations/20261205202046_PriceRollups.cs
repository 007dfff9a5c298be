using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// Hourly and daily OHLC rollups per series (<see cref="HistoryRollups"/>), kept exact by an idempotent step after
    /// commit: a statement trigger on price_points queues each (series, UTC day) a write touches, in the writing
    /// transaction (so a crash cannot lose the queue entry of a committed point); the rollup step recomputes a queued
    /// day from the raw points and removes its entry in one transaction (so a crash before it commits leaves the entry).
    /// </summary>
    public partial class PriceRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var table in HistoryRollups.Tables)
            {
                migrationBuilder.Sql($"""
                    CREATE TABLE {table} (
                        series_id integer NOT NULL,
                        bucket timestamptz NOT NULL,
                        points integer NOT NULL,
                        first_at timestamptz NOT NULL,
                        last_at timestamptz NOT NULL,
                        open numeric NOT NULL,
                        high numeric NOT NULL,
                        low numeric NOT NULL,
                        close numeric NOT NULL,
                        market_cap_usd numeric,
                        volume_24h_usd numeric,
                        CONSTRAINT pk_{table} PRIMARY KEY (series_id, bucket)
                    );
                    """);
            }

            migrationBuilder.Sql($$"""
                -- Not unique on (series, day): a unique key would make two writers touching the same series and day wait
                -- for each other (and deadlock when each holds one the other needs). An entry is appended per write;
                -- the rollup step takes entries by id, so one appended while it recomputes stays for the next round.
                CREATE TABLE {{HistoryRollups.QueueTable}} (
                    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_{{HistoryRollups.QueueTable}} PRIMARY KEY,
                    series_id integer NOT NULL,
                    day timestamptz NOT NULL,
                    queued_at timestamptz NOT NULL DEFAULT now()
                );
                CREATE INDEX ix_{{HistoryRollups.QueueTable}}_series_id_day ON {{HistoryRollups.QueueTable}} (series_id, day);

                -- The buckets of the given series' points in [from_time, to_time): the one definition of a rollup row,
                -- used by the rollup step and by readers for days still queued. Buckets are aligned to the epoch, so a
                -- day bucket is a UTC day. The market cap and volume are those of the bucket's last point (null when it
                -- had none), as the history's "last point in the bucket" shows them.
                CREATE FUNCTION {{HistoryRollups.BucketsFunction}}(width interval, series integer[], from_time timestamptz, to_time timestamptz)
                RETURNS TABLE (series_id integer, bucket timestamptz, points integer, first_at timestamptz, last_at timestamptz,
                               open numeric, high numeric, low numeric, close numeric, market_cap_usd numeric, volume_24h_usd numeric)
                LANGUAGE sql STABLE AS $$
                    SELECT p.series_id, date_bin(width, p.observed_at, timestamptz '1970-01-01Z'), count(*)::integer,
                           min(p.observed_at), max(p.observed_at),
                           (array_agg(p.price_usd ORDER BY p.observed_at))[1], max(p.price_usd), min(p.price_usd),
                           (array_agg(p.price_usd ORDER BY p.observed_at DESC))[1],
                           (array_agg(p.market_cap_usd ORDER BY p.observed_at DESC))[1],
                           (array_agg(p.volume_24h_usd ORDER BY p.observed_at DESC))[1]
                      FROM price_points p
                     WHERE p.series_id = ANY(series) AND p.observed_at >= from_time AND p.observed_at < to_time
                     GROUP BY 1, 2
                $$;

                CREATE FUNCTION queue_price_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'TRUNCATE' THEN
                        -- DELETE, not TRUNCATE: a TRUNCATE listing these tables too (a test reset) has them open.
                        DELETE FROM {{HistoryRollups.Hourly}};
                        DELETE FROM {{HistoryRollups.Daily}};
                        DELETE FROM {{HistoryRollups.QueueTable}};
                    ELSIF TG_OP = 'UPDATE' THEN
                        INSERT INTO {{HistoryRollups.QueueTable}} (series_id, day)
                        SELECT DISTINCT series_id, date_trunc('day', observed_at, 'UTC')
                          FROM (SELECT series_id, observed_at FROM changed UNION ALL SELECT series_id, observed_at FROM changed_before) AS both_sides;
                    ELSE
                        INSERT INTO {{HistoryRollups.QueueTable}} (series_id, day)
                        SELECT DISTINCT series_id, date_trunc('day', observed_at, 'UTC') FROM changed;
                    END IF;
                    RETURN NULL;
                END $$;

                CREATE TRIGGER price_points_inserted_queue_rollups AFTER INSERT ON price_points
                    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION queue_price_rollups();
                CREATE TRIGGER price_points_updated_queue_rollups AFTER UPDATE ON price_points
                    REFERENCING OLD TABLE AS changed_before NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION queue_price_rollups();
                CREATE TRIGGER price_points_deleted_queue_rollups AFTER DELETE ON price_points
                    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION queue_price_rollups();
                CREATE TRIGGER price_points_truncated_queue_rollups AFTER TRUNCATE ON price_points
                    FOR EACH STATEMENT EXECUTE FUNCTION queue_price_rollups();

                -- Points stored before this migration: every day of every series is queued once.
                INSERT INTO {{HistoryRollups.QueueTable}} (series_id, day)
                SELECT DISTINCT series_id, date_trunc('day', observed_at, 'UTC') FROM price_points;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($"""
                DROP TRIGGER price_points_inserted_queue_rollups ON price_points;
                DROP TRIGGER price_points_updated_queue_rollups ON price_points;
                DROP TRIGGER price_points_deleted_queue_rollups ON price_points;
                DROP TRIGGER price_points_truncated_queue_rollups ON price_points;
                DROP FUNCTION queue_price_rollups();
                DROP FUNCTION {HistoryRollups.BucketsFunction}(interval, integer[], timestamptz, timestamptz);
                DROP TABLE {HistoryRollups.QueueTable}, {string.Join(", ", HistoryRollups.Tables)};
                """);
        }
    }
}
