using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// Cold compaction (<see cref="HistoryCompaction"/>): the chunks table, the function every reader takes the points
    /// from (rows and chunks together), the function every writer calls before writing (partitions, the month's
    /// compaction lock, compacted days back to rows), and the view, its writes and the rollup definition moved onto them.
    /// Nothing is compacted here: the ingestion compacts months older than <c>History:CompactAfter</c>.
    /// </summary>
    public partial class ColdCompaction : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A row per series and UTC day. The arrays of a 10-minute day (144 points) are ~9 KB before compression: above
            // toast_tuple_target (set on every partition) PostgreSQL compresses them and moves them out of line, packed.
            migrationBuilder.Sql($$"""
                CREATE TABLE {{HistoryCompaction.ChunksTable}} (
                    series_id integer NOT NULL,
                    day date NOT NULL,
                    points integer NOT NULL,
                    observed_at timestamptz[] NOT NULL,
                    is_backfill boolean[] NOT NULL,
                    price_usd numeric[] NOT NULL,
                    market_cap_usd numeric[] NOT NULL,
                    volume_24h_usd numeric[] NOT NULL,
                    CONSTRAINT pk_{{HistoryCompaction.ChunksTable}} PRIMARY KEY (series_id, day)
                ) PARTITION BY RANGE (day);
                -- For the writers' one-probe check "is anything at or after this day compacted?".
                CREATE INDEX ix_{{HistoryCompaction.ChunksTable}}_day ON {{HistoryCompaction.ChunksTable}} (day);

                -- Created apart and attached (SHARE UPDATE EXCLUSIVE on the parent, so reads go on), as the points' partitions are.
                CREATE FUNCTION {{HistoryCompaction.EnsureChunksPartitionFunction}}(month timestamptz) RETURNS boolean LANGUAGE plpgsql AS $$
                DECLARE
                    month_start date := date_trunc('month', month, 'UTC') AT TIME ZONE 'UTC';
                    partition text := '{{HistoryCompaction.ChunksTable}}_' || to_char(month_start, 'YYYY_MM');
                BEGIN
                    IF to_regclass(partition) IS NOT NULL THEN
                        RETURN false;
                    END IF;
                    EXECUTE format('CREATE TABLE %I (LIKE {{HistoryCompaction.ChunksTable}} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) WITH (toast_tuple_target = 128)', partition);
                    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (day >= %L AND day < %L)',
                        partition, partition || '_bounds', month_start, month_start + interval '1 month');
                    EXECUTE format('ALTER TABLE {{HistoryCompaction.ChunksTable}} ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                        partition, month_start, month_start + interval '1 month');
                    RETURN true;
                END $$;

                CREATE FUNCTION {{HistoryCompaction.ObservationsFunction}}(series integer[], from_time timestamptz, to_time timestamptz)
                RETURNS TABLE (series_id integer, observed_at timestamptz, is_backfill boolean, price_usd numeric, market_cap_usd numeric, volume_24h_usd numeric)
                LANGUAGE sql STABLE AS $$
                    SELECT p.series_id, p.observed_at, p.is_backfill, p.price_usd, p.market_cap_usd, p.volume_24h_usd
                      FROM {{HistoryStorage.PointsTable}} p
                     WHERE p.series_id = ANY(series) AND p.observed_at >= from_time AND p.observed_at < to_time
                    UNION ALL
                    SELECT c.series_id, u.observed_at, u.is_backfill, u.price_usd, u.market_cap_usd, u.volume_24h_usd
                      FROM {{HistoryCompaction.ChunksTable}} c
                     CROSS JOIN LATERAL unnest(c.observed_at, c.is_backfill, c.price_usd, c.market_cap_usd, c.volume_24h_usd)
                           AS u(observed_at, is_backfill, price_usd, market_cap_usd, volume_24h_usd)
                     WHERE c.series_id = ANY(series)
                       AND c.day >= (from_time AT TIME ZONE 'UTC')::date AND c.day <= (to_time AT TIME ZONE 'UTC')::date
                       AND u.observed_at >= from_time AND u.observed_at < to_time
                $$;

                CREATE FUNCTION {{HistoryCompaction.PrepareWriteFunction}}(series integer[], times timestamptz[]) RETURNS integer LANGUAGE plpgsql AS $$
                DECLARE
                    month_start timestamptz;
                    earliest date;
                    moved integer := 0;
                BEGIN
                    PERFORM {{HistoryStorage.EnsurePartitionsFunction}}(times);
                    -- Shared: writers of a month never wait for each other here, only for its compaction (exclusive).
                    FOR month_start IN SELECT DISTINCT date_trunc('month', t, 'UTC') FROM unnest(times) AS t WHERE t IS NOT NULL ORDER BY 1 LOOP
                        PERFORM pg_advisory_xact_lock_shared({{HistoryCompaction.MonthLockClass}},
                            (extract(year FROM month_start AT TIME ZONE 'UTC') * 12 + extract(month FROM month_start AT TIME ZONE 'UTC') - 1)::integer);
                    END LOOP;
                    -- Batches of recent points end here: nothing at or after their earliest day is compacted.
                    SELECT min((t AT TIME ZONE 'UTC')::date) INTO earliest FROM unnest(times) AS t;
                    IF earliest IS NULL OR NOT EXISTS (SELECT 1 FROM {{HistoryCompaction.ChunksTable}} WHERE day >= earliest) THEN
                        RETURN 0;
                    END IF;
                    WITH wanted AS (
                        SELECT DISTINCT s, (t AT TIME ZONE 'UTC')::date AS d FROM unnest(series, times) AS w(s, t)
                    ), thawed AS (
                        DELETE FROM {{HistoryCompaction.ChunksTable}} c USING wanted w
                         WHERE c.series_id = w.s AND c.day = w.d
                        RETURNING c.*
                    )
                    INSERT INTO {{HistoryStorage.PointsTable}} ({{HistoryStorage.PointColumns}})
                    SELECT u.observed_at, t.series_id, u.is_backfill, u.price_usd, u.market_cap_usd, u.volume_24h_usd
                      FROM thawed t
                     CROSS JOIN LATERAL unnest(t.observed_at, t.is_backfill, t.price_usd, t.market_cap_usd, t.volume_24h_usd)
                           AS u(observed_at, is_backfill, price_usd, market_cap_usd, volume_24h_usd);
                    GET DIAGNOSTICS moved = ROW_COUNT;
                    RETURN moved;
                END $$;
                """);

            migrationBuilder.Sql($$"""
                CREATE OR REPLACE VIEW {{HistoryStorage.View}} AS
                SELECT s.source, s.source_id, p.observed_at, s.asset_id, p.price_usd, p.market_cap_usd, p.volume_24h_usd, p.is_backfill
                  FROM {{HistoryStorage.PointsTable}} p JOIN {{HistoryStorage.SeriesTable}} s ON s.id = p.series_id
                UNION ALL
                SELECT s.source, s.source_id, u.observed_at, s.asset_id, u.price_usd, u.market_cap_usd, u.volume_24h_usd, u.is_backfill
                  FROM {{HistoryCompaction.ChunksTable}} c JOIN {{HistoryStorage.SeriesTable}} s ON s.id = c.series_id
                 CROSS JOIN LATERAL unnest(c.observed_at, c.is_backfill, c.price_usd, c.market_cap_usd, c.volume_24h_usd)
                       AS u(observed_at, is_backfill, price_usd, market_cap_usd, volume_24h_usd);
                """);
            migrationBuilder.Sql(ViewWrites($"{HistoryCompaction.PrepareWriteFunction}(ARRAY[series], ARRAY[NEW.observed_at])",
                $"{HistoryCompaction.PrepareWriteFunction}(ARRAY[series], ARRAY[OLD.observed_at])"));
            migrationBuilder.Sql(RollupBuckets($"{HistoryCompaction.ObservationsFunction}(series, from_time, to_time) p"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Compacted days go back to rows first, so nothing is lost.
            migrationBuilder.Sql($$"""
                SELECT {{HistoryCompaction.PrepareWriteFunction}}(array_agg(series_id), array_agg(day::timestamp AT TIME ZONE 'UTC'))
                  FROM {{HistoryCompaction.ChunksTable}};
                """);
            migrationBuilder.Sql(RollupBuckets($"{HistoryStorage.PointsTable} p"));
            migrationBuilder.Sql(ViewWrites($"{HistoryStorage.EnsurePartitionsFunction}(ARRAY[NEW.observed_at])",
                $"{HistoryStorage.EnsurePartitionsFunction}(ARRAY[OLD.observed_at])"));
            migrationBuilder.Sql($$"""
                DROP VIEW {{HistoryStorage.View}};
                CREATE VIEW {{HistoryStorage.View}} AS
                SELECT s.source, s.source_id, p.observed_at, s.asset_id, p.price_usd, p.market_cap_usd, p.volume_24h_usd, p.is_backfill
                  FROM {{HistoryStorage.PointsTable}} p JOIN {{HistoryStorage.SeriesTable}} s ON s.id = p.series_id;
                CREATE TRIGGER price_history_write INSTEAD OF INSERT OR UPDATE OR DELETE ON {{HistoryStorage.View}}
                    FOR EACH ROW EXECUTE FUNCTION price_history_write();
                DROP FUNCTION {{HistoryCompaction.PrepareWriteFunction}}(integer[], timestamptz[]);
                DROP FUNCTION {{HistoryCompaction.ObservationsFunction}}(integer[], timestamptz, timestamptz);
                DROP FUNCTION {{HistoryCompaction.EnsureChunksPartitionFunction}}(timestamptz);
                DROP TABLE {{HistoryCompaction.ChunksTable}};
                """);
        }

        /// <summary>price_rollup_buckets of migration PriceRollups, reading the points from <paramref name="points"/>.</summary>
        private static string RollupBuckets(string points) => $$"""
            CREATE OR REPLACE FUNCTION {{HistoryRollups.BucketsFunction}}(width interval, series integer[], from_time timestamptz, to_time timestamptz)
            RETURNS TABLE (series_id integer, bucket timestamptz, points integer, first_at timestamptz, last_at timestamptz,
                           open numeric, high numeric, low numeric, close numeric, market_cap_usd numeric, volume_24h_usd numeric)
            LANGUAGE sql STABLE AS $$
                SELECT p.series_id, date_bin(width, p.observed_at, timestamptz '1970-01-01Z'), count(*)::integer,
                       min(p.observed_at), max(p.observed_at),
                       (array_agg(p.price_usd ORDER BY p.observed_at))[1], max(p.price_usd), min(p.price_usd),
                       (array_agg(p.price_usd ORDER BY p.observed_at DESC))[1],
                       (array_agg(p.market_cap_usd ORDER BY p.observed_at DESC))[1],
                       (array_agg(p.volume_24h_usd ORDER BY p.observed_at DESC))[1]
                  FROM {{points}}
                 WHERE p.series_id = ANY(series) AND p.observed_at >= from_time AND p.observed_at < to_time
                 GROUP BY 1, 2
            $$;
            """;

        /// <summary>
        /// price_history_write of migration NarrowPartitionedHistory, with <paramref name="beforeWrite"/> and
        /// <paramref name="beforeChange"/> run before a point is written or changed (an update runs both).
        /// </summary>
        private static string ViewWrites(string beforeWrite, string beforeChange) => $$"""
            CREATE OR REPLACE FUNCTION price_history_write() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                series integer;
                asset text;
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    SELECT id, asset_id INTO series, asset FROM price_series WHERE source = NEW.source AND source_id = NEW.source_id;
                    IF series IS NULL THEN
                        INSERT INTO price_series (source, source_id, asset_id) VALUES (NEW.source, NEW.source_id, NEW.asset_id)
                        ON CONFLICT (source, source_id) DO NOTHING
                        RETURNING id, asset_id INTO series, asset;
                    END IF;
                    IF series IS NULL THEN
                        SELECT id, asset_id INTO series, asset FROM price_series WHERE source = NEW.source AND source_id = NEW.source_id;
                    END IF;
                    IF NEW.asset_id IS NOT NULL AND NEW.asset_id IS DISTINCT FROM asset THEN
                        UPDATE price_series SET asset_id = NEW.asset_id WHERE id = series;
                    END IF;
                    PERFORM {{beforeWrite}};
                    INSERT INTO price_points ({{HistoryStorage.PointColumns}})
                    VALUES (NEW.observed_at, series, coalesce(NEW.is_backfill, false), NEW.price_usd, NEW.market_cap_usd, NEW.volume_24h_usd);
                    RETURN NEW;
                END IF;

                SELECT id INTO series FROM price_series WHERE source = OLD.source AND source_id = OLD.source_id;
                PERFORM {{beforeChange}};
                IF TG_OP = 'DELETE' THEN
                    DELETE FROM price_points WHERE series_id = series AND observed_at = OLD.observed_at;
                    RETURN OLD;
                END IF;

                IF NEW.source IS DISTINCT FROM OLD.source OR NEW.source_id IS DISTINCT FROM OLD.source_id THEN
                    RAISE EXCEPTION 'price_history: an observation cannot move to another series; delete and insert it';
                END IF;
                IF NEW.asset_id IS DISTINCT FROM OLD.asset_id THEN
                    UPDATE price_series SET asset_id = NEW.asset_id WHERE id = series;
                END IF;
                PERFORM {{beforeWrite}};
                UPDATE price_points
                   SET observed_at = NEW.observed_at, is_backfill = NEW.is_backfill, price_usd = NEW.price_usd,
                       market_cap_usd = NEW.market_cap_usd, volume_24h_usd = NEW.volume_24h_usd
                 WHERE series_id = series AND observed_at = OLD.observed_at;
                RETURN NEW;
            END $$;
            """;
    }
}
