using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// Compacted days stored encoded (<see cref="HistoryCompaction"/>, docs/performance.md "Cold compaction"): times as
    /// microsecond deltas and each value column as integer deltas at the day's common scale, which compress to a fraction of
    /// the <c>numeric</c> arrays; a column whose values do not fit 62 bits (e.g. 28-digit numbers) keeps its exact
    /// <c>numeric</c> array. One function builds a chunk row (<see cref="HistoryCompaction.EncodeFunction"/>), one reads it
    /// back (<see cref="HistoryCompaction.DecodeFunction"/>); the readers and the thaw move onto them. Existing chunks are
    /// moved back to rows first (the next upkeep compacts them again in the new form), so nothing is converted in place.
    /// </summary>
    public partial class EncodedChunks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Chunks of the old form back to rows (ColdCompaction's thaw), and the view off the columns that change.
            migrationBuilder.Sql($$"""
                SELECT {{HistoryCompaction.PrepareWriteFunction}}(array_agg(series_id), array_agg(day::timestamp AT TIME ZONE 'UTC'))
                  FROM {{HistoryCompaction.ChunksTable}};
                CREATE OR REPLACE VIEW {{HistoryStorage.View}} AS {{RowsOfView}};
                """);

            // lz4 (as the raw payloads): a day's arrays are compressed and stored out of line in the TOAST table, which packs
            // them densely. Kept in the row (STORAGE MAIN) they measured smaller on paper but left pages a third empty once
            // a row passed a third of a page (2 rows a page instead of 3).
            migrationBuilder.Sql($$"""
                ALTER TABLE {{HistoryCompaction.ChunksTable}}
                    DROP COLUMN observed_at,
                    ADD COLUMN time_deltas bigint[] NOT NULL,
                    ADD COLUMN price_codes bigint[],
                    ADD COLUMN market_cap_codes bigint[],
                    ADD COLUMN volume_codes bigint[],
                    ALTER COLUMN price_usd DROP NOT NULL,
                    ALTER COLUMN market_cap_usd DROP NOT NULL,
                    ALTER COLUMN volume_24h_usd DROP NOT NULL,
                    ADD CONSTRAINT ck_price_chunks_price_once CHECK ((price_codes IS NULL) <> (price_usd IS NULL)),
                    ADD CONSTRAINT ck_price_chunks_market_cap_once CHECK ((market_cap_codes IS NULL) <> (market_cap_usd IS NULL)),
                    ADD CONSTRAINT ck_price_chunks_volume_once CHECK ((volume_codes IS NULL) <> (volume_24h_usd IS NULL));
                ALTER TABLE {{HistoryCompaction.ChunksTable}}
                    ALTER COLUMN time_deltas SET COMPRESSION lz4,
                    ALTER COLUMN is_backfill SET COMPRESSION lz4,
                    ALTER COLUMN price_codes SET COMPRESSION lz4,
                    ALTER COLUMN market_cap_codes SET COMPRESSION lz4,
                    ALTER COLUMN volume_codes SET COMPRESSION lz4,
                    ALTER COLUMN price_usd SET COMPRESSION lz4,
                    ALTER COLUMN market_cap_usd SET COMPRESSION lz4,
                    ALTER COLUMN volume_24h_usd SET COMPRESSION lz4;
                """);
            migrationBuilder.Sql(EnsureChunksPartition("INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMPRESSION"));

            migrationBuilder.Sql($$"""
                -- A value column as integer codes: element 1 is the day's common scale S (the most decimals of its values);
                -- then, per point, the change of (value * 10^S * 32 + the value's own scale) since the previous non-null value,
                -- or NULL for a NULL value. The own scale keeps trailing zeros (1.50 stays 1.50). NULL when a code would not
                -- fit 62 bits, so every change fits 63: the column then keeps its numeric array.
                CREATE FUNCTION price_chunk_codes(vals numeric[]) RETURNS bigint[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
                DECLARE
                    common integer := 0;
                    v numeric;
                    factor numeric;
                    code numeric;
                    previous numeric := 0;
                    codes bigint[];
                BEGIN
                    FOREACH v IN ARRAY vals LOOP
                        IF scale(v) > common THEN
                            common := scale(v);
                        END IF;
                    END LOOP;
                    IF common > 31 THEN
                        RETURN NULL;
                    END IF;
                    factor := 10::numeric ^ common;
                    codes := ARRAY[common::bigint];
                    FOREACH v IN ARRAY vals LOOP
                        IF v IS NULL THEN
                            codes := codes || NULL::bigint;
                        ELSE
                            code := v * factor * 32 + scale(v);
                            IF abs(code) >= 4611686018427387904 THEN
                                RETURN NULL;
                            END IF;
                            codes := codes || (code - previous)::bigint;
                            previous := code;
                        END IF;
                    END LOOP;
                    RETURN codes;
                END $$;

                CREATE FUNCTION {{HistoryCompaction.EncodeFunction}}(series integer, day date, times timestamptz[], is_backfill boolean[],
                                                   prices numeric[], market_caps numeric[], volumes numeric[])
                RETURNS {{HistoryCompaction.ChunksTable}} LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
                DECLARE
                    chunk {{HistoryCompaction.ChunksTable}};
                    day_start bigint := extract(epoch FROM day::timestamp AT TIME ZONE 'UTC')::bigint * 1000000;
                BEGIN
                    chunk.series_id := series;
                    chunk.day := day;
                    chunk.points := cardinality(times);
                    chunk.is_backfill := is_backfill;
                    -- Microseconds since the day's start, then since the previous point: a regular series repeats one number.
                    SELECT array_agg(d ORDER BY i) INTO chunk.time_deltas
                      FROM (SELECT i, us - coalesce(lag(us) OVER (ORDER BY i), day_start) AS d
                              FROM (SELECT i, (extract(epoch FROM t) * 1000000)::bigint AS us FROM unnest(times) WITH ORDINALITY AS x(t, i)) x) y;
                    chunk.price_codes := price_chunk_codes(prices);
                    chunk.market_cap_codes := price_chunk_codes(market_caps);
                    chunk.volume_codes := price_chunk_codes(volumes);
                    IF chunk.price_codes IS NULL THEN chunk.price_usd := prices; END IF;
                    IF chunk.market_cap_codes IS NULL THEN chunk.market_cap_usd := market_caps; END IF;
                    IF chunk.volume_codes IS NULL THEN chunk.volume_24h_usd := volumes; END IF;
                    RETURN chunk;
                END $$;

                -- Inlined into its callers: running sums of the deltas (a window over the chunk's positions), then each code
                -- back to its exact numeric (round only sets the display scale: the digits past it are zeros). The columns are
                -- passed one by one (a whole-row argument was rebuilt, arrays decompressed, for every point: 6x slower), and
                -- the scales are read once per chunk (OFFSET 0 keeps that subquery from being pulled up into every point).
                CREATE FUNCTION {{HistoryCompaction.DecodeFunction}}(chunk_day date, time_deltas bigint[], backfill boolean[],
                                                   price_codes bigint[], prices numeric[], market_cap_codes bigint[], market_caps numeric[],
                                                   volume_codes bigint[], volumes numeric[])
                RETURNS TABLE (observed_at timestamptz, is_backfill boolean, price_usd numeric, market_cap_usd numeric, volume_24h_usd numeric)
                LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                    SELECT chunk_day::timestamp AT TIME ZONE 'UTC' + s.t * interval '1 microsecond', s.b,
                           CASE WHEN s.p IS NULL THEN s.pn ELSE round((s.p >> 5)::numeric * k.pu, (s.p & 31)::integer) END,
                           CASE WHEN s.m IS NULL THEN s.mn ELSE round((s.m >> 5)::numeric * k.mu, (s.m & 31)::integer) END,
                           CASE WHEN s.v IS NULL THEN s.vn ELSE round((s.v >> 5)::numeric * k.vu, (s.v & 31)::integer) END
                      FROM (SELECT ('1e-' || price_codes[1])::numeric AS pu, ('1e-' || market_cap_codes[1])::numeric AS mu,
                                   ('1e-' || volume_codes[1])::numeric AS vu OFFSET 0) k,
                           (SELECT u.b, u.pn, u.mn, u.vn,
                                   (sum(u.t) OVER w)::bigint AS t,
                                   CASE WHEN u.p IS NOT NULL THEN (sum(u.p) OVER w)::bigint END AS p,
                                   CASE WHEN u.m IS NOT NULL THEN (sum(u.m) OVER w)::bigint END AS m,
                                   CASE WHEN u.v IS NOT NULL THEN (sum(u.v) OVER w)::bigint END AS v
                              FROM unnest(time_deltas, backfill, price_codes[2:], prices, market_cap_codes[2:], market_caps,
                                          volume_codes[2:], volumes)
                                   WITH ORDINALITY AS u(t, b, p, pn, m, mn, v, vn, i)
                            WINDOW w AS (ORDER BY u.i)) s
                $$;
                """);
            migrationBuilder.Sql(Readers($"CROSS JOIN LATERAL {ChunkPoints("c")} u", $"CROSS JOIN LATERAL {ChunkPoints("t")} u"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($$"""
                SELECT {{HistoryCompaction.PrepareWriteFunction}}(array_agg(series_id), array_agg(day::timestamp AT TIME ZONE 'UTC'))
                  FROM {{HistoryCompaction.ChunksTable}};
                CREATE OR REPLACE VIEW {{HistoryStorage.View}} AS {{RowsOfView}};
                DROP FUNCTION {{HistoryCompaction.DecodeFunction}}(date, bigint[], boolean[], bigint[], numeric[], bigint[], numeric[], bigint[], numeric[]);
                DROP FUNCTION {{HistoryCompaction.EncodeFunction}}(integer, date, timestamptz[], boolean[], numeric[], numeric[], numeric[]);
                DROP FUNCTION price_chunk_codes(numeric[]);
                ALTER TABLE {{HistoryCompaction.ChunksTable}}
                    DROP CONSTRAINT ck_price_chunks_price_once,
                    DROP CONSTRAINT ck_price_chunks_market_cap_once,
                    DROP CONSTRAINT ck_price_chunks_volume_once,
                    DROP COLUMN time_deltas,
                    DROP COLUMN price_codes,
                    DROP COLUMN market_cap_codes,
                    DROP COLUMN volume_codes,
                    ADD COLUMN observed_at timestamptz[] NOT NULL,
                    ALTER COLUMN price_usd SET NOT NULL,
                    ALTER COLUMN market_cap_usd SET NOT NULL,
                    ALTER COLUMN volume_24h_usd SET NOT NULL;
                """);
            migrationBuilder.Sql(EnsureChunksPartition("INCLUDING DEFAULTS INCLUDING CONSTRAINTS"));
            const string unnest = "CROSS JOIN LATERAL unnest({0}.observed_at, {0}.is_backfill, {0}.price_usd, {0}.market_cap_usd, {0}.volume_24h_usd) AS u(observed_at, is_backfill, price_usd, market_cap_usd, volume_24h_usd)";
            migrationBuilder.Sql(Readers(string.Format(System.Globalization.CultureInfo.InvariantCulture, unnest, "c"),
                string.Format(System.Globalization.CultureInfo.InvariantCulture, unnest, "t")));
        }

        /// <summary>The points of the chunk row <paramref name="chunk"/> (an alias): its columns passed to the decoder.</summary>
        private static string ChunkPoints(string chunk) =>
            $"{HistoryCompaction.DecodeFunction}({chunk}.day, {chunk}.time_deltas, {chunk}.is_backfill, {chunk}.price_codes, {chunk}.price_usd, " +
            $"{chunk}.market_cap_codes, {chunk}.market_cap_usd, {chunk}.volume_codes, {chunk}.volume_24h_usd)";

        /// <summary>The <c>price_history</c> view over the rows alone (while the chunks' columns change).</summary>
        private const string RowsOfView = $"""
            SELECT s.source, s.source_id, p.observed_at, s.asset_id, p.price_usd, p.market_cap_usd, p.volume_24h_usd, p.is_backfill
              FROM {HistoryStorage.PointsTable} p JOIN {HistoryStorage.SeriesTable} s ON s.id = p.series_id
            """;

        /// <summary>ColdCompaction's <c>ensure_price_chunks_partition</c>, the partition made LIKE the parent with <paramref name="like"/>.</summary>
        private static string EnsureChunksPartition(string like) => $$"""
            CREATE OR REPLACE FUNCTION {{HistoryCompaction.EnsureChunksPartitionFunction}}(month timestamptz) RETURNS boolean LANGUAGE plpgsql AS $$
            DECLARE
                month_start date := date_trunc('month', month, 'UTC') AT TIME ZONE 'UTC';
                partition text := '{{HistoryCompaction.ChunksTable}}_' || to_char(month_start, 'YYYY_MM');
            BEGIN
                IF to_regclass(partition) IS NOT NULL THEN
                    RETURN false;
                END IF;
                EXECUTE format('CREATE TABLE %I (LIKE {{HistoryCompaction.ChunksTable}} {{like}}) WITH (toast_tuple_target = 128)', partition);
                EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (day >= %L AND day < %L)',
                    partition, partition || '_bounds', month_start, month_start + interval '1 month');
                EXECUTE format('ALTER TABLE {{HistoryCompaction.ChunksTable}} ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                    partition, month_start, month_start + interval '1 month');
                RETURN true;
            END $$;
            """;

        /// <summary>
        /// ColdCompaction's readers of the chunks (<c>price_observations</c>, the thaw in <c>prepare_price_points_write</c>
        /// and the <c>price_history</c> view), reading a chunk <c>c</c> with <paramref name="chunkPoints"/> and each thawed
        /// chunk <c>t</c> with <paramref name="thawedPoints"/>.
        /// </summary>
        private static string Readers(string chunkPoints, string thawedPoints) => $$"""
            CREATE OR REPLACE FUNCTION {{HistoryCompaction.ObservationsFunction}}(series integer[], from_time timestamptz, to_time timestamptz)
            RETURNS TABLE (series_id integer, observed_at timestamptz, is_backfill boolean, price_usd numeric, market_cap_usd numeric, volume_24h_usd numeric)
            LANGUAGE sql STABLE AS $$
                SELECT p.series_id, p.observed_at, p.is_backfill, p.price_usd, p.market_cap_usd, p.volume_24h_usd
                  FROM {{HistoryStorage.PointsTable}} p
                 WHERE p.series_id = ANY(series) AND p.observed_at >= from_time AND p.observed_at < to_time
                UNION ALL
                SELECT c.series_id, u.observed_at, u.is_backfill, u.price_usd, u.market_cap_usd, u.volume_24h_usd
                  FROM {{HistoryCompaction.ChunksTable}} c
                 {{chunkPoints}}
                 WHERE c.series_id = ANY(series)
                   AND c.day >= (from_time AT TIME ZONE 'UTC')::date AND c.day <= (to_time AT TIME ZONE 'UTC')::date
                   AND u.observed_at >= from_time AND u.observed_at < to_time
            $$;

            CREATE OR REPLACE FUNCTION {{HistoryCompaction.PrepareWriteFunction}}(series integer[], times timestamptz[]) RETURNS integer LANGUAGE plpgsql AS $$
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
                -- The chunk is deleted first: a concurrent writer of the same day waits on that row, then finds it gone.
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
                 {{thawedPoints}};
                GET DIAGNOSTICS moved = ROW_COUNT;
                RETURN moved;
            END $$;

            CREATE OR REPLACE VIEW {{HistoryStorage.View}} AS
            {{RowsOfView}}
            UNION ALL
            SELECT s.source, s.source_id, u.observed_at, s.asset_id, u.price_usd, u.market_cap_usd, u.volume_24h_usd, u.is_backfill
              FROM {{HistoryCompaction.ChunksTable}} c JOIN {{HistoryStorage.SeriesTable}} s ON s.id = c.series_id
             {{chunkPoints}};
            """;
    }
}
