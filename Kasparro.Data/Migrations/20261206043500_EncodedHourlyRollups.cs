using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// The hourly rollups of cold months stored encoded, a row per series and month (<see cref="HistoryRollups.HourlyEncoded"/>,
    /// docs/performance.md "Encoded hourly rollups"): times as microsecond deltas and each value column as the integer codes
    /// of compacted points (<c>price_chunk_codes</c>, migration <c>EncodedChunks</c>), which PostgreSQL compresses; a column
    /// whose values do not fit keeps its exact numeric array. <c>price_rollups</c> reads both hourly tables. Existing day
    /// rows stay as they are: the next history upkeep with <c>History:CompactAfter</c> set encodes the cold months.
    /// </summary>
    public partial class EncodedHourlyRollups : Migration
    {
        private const string ColumnTypes = """
            series_id integer, bucket timestamptz, points integer, first_at timestamptz, last_at timestamptz,
            open numeric, high numeric, low numeric, close numeric, market_cap_usd numeric, volume_24h_usd numeric
            """;

        private const string Columns = "series_id, bucket, points, first_at, last_at, open, high, low, close, market_cap_usd, volume_24h_usd";

        /// <summary>HourlyRollupsByDay's hourly branch of price_rollups: the day rows.</summary>
        private const string DayRows = """
            SELECT r.series_id, h.bucket, h.points, h.first_at, h.last_at, h.open, h.high, h.low, h.close, h.market_cap_usd, h.volume_24h_usd
              FROM price_rollups_1h r
             CROSS JOIN LATERAL (
                   SELECT date_bin(interval '1 hour', u.first_at, timestamptz '1970-01-01Z') AS bucket, u.*
                     FROM unnest(r.points, r.first_at, r.last_at, r.open, r.high, r.low, r.close, r.market_cap_usd, r.volume_24h_usd)
                          AS u(points, first_at, last_at, open, high, low, close, market_cap_usd, volume_24h_usd)) AS h
             WHERE width = interval '1 hour' AND r.series_id = ANY(series)
               AND r.day >= (from_time AT TIME ZONE 'UTC')::date AND r.day <= (to_time AT TIME ZONE 'UTC')::date
               AND h.bucket >= from_time AND h.bucket < to_time
            """;

        /// <summary>HourlyRollupsByDay's daily branch of price_rollups.</summary>
        private const string DailyRows = $"""
            SELECT {Columns}
              FROM price_rollups_1d d
             WHERE width = interval '1 day' AND d.series_id = ANY(series) AND d.bucket >= from_time AND d.bucket < to_time
            """;

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // lz4 and a low toast_tuple_target as price_chunks: a month of hours (~20 kB of codes) is compressed and stored
            // out of line, where TOAST packs it densely.
            migrationBuilder.Sql($$"""
                CREATE TABLE {{HistoryRollups.HourlyEncoded}} (
                    series_id integer NOT NULL,
                    month date NOT NULL,
                    points integer[] COMPRESSION lz4 NOT NULL,
                    first_deltas bigint[] COMPRESSION lz4 NOT NULL,
                    last_deltas bigint[] COMPRESSION lz4 NOT NULL,
                    open_codes bigint[] COMPRESSION lz4,
                    open numeric[] COMPRESSION lz4,
                    high_codes bigint[] COMPRESSION lz4,
                    high numeric[] COMPRESSION lz4,
                    low_codes bigint[] COMPRESSION lz4,
                    low numeric[] COMPRESSION lz4,
                    close_codes bigint[] COMPRESSION lz4,
                    close numeric[] COMPRESSION lz4,
                    market_cap_codes bigint[] COMPRESSION lz4,
                    market_cap_usd numeric[] COMPRESSION lz4,
                    volume_codes bigint[] COMPRESSION lz4,
                    volume_24h_usd numeric[] COMPRESSION lz4,
                    CONSTRAINT pk_price_rollups_1h_encoded PRIMARY KEY (series_id, month),
                    CONSTRAINT ck_price_rollups_1h_encoded_month CHECK (extract(day FROM month) = 1),
                    CONSTRAINT ck_price_rollups_1h_encoded_open_once CHECK ((open_codes IS NULL) <> (open IS NULL)),
                    CONSTRAINT ck_price_rollups_1h_encoded_high_once CHECK ((high_codes IS NULL) <> (high IS NULL)),
                    CONSTRAINT ck_price_rollups_1h_encoded_low_once CHECK ((low_codes IS NULL) <> (low IS NULL)),
                    CONSTRAINT ck_price_rollups_1h_encoded_close_once CHECK ((close_codes IS NULL) <> (close IS NULL)),
                    CONSTRAINT ck_price_rollups_1h_encoded_market_cap_once CHECK ((market_cap_codes IS NULL) <> (market_cap_usd IS NULL)),
                    CONSTRAINT ck_price_rollups_1h_encoded_volume_once CHECK ((volume_codes IS NULL) <> (volume_24h_usd IS NULL))
                ) WITH (toast_tuple_target = 128);

                CREATE FUNCTION {{HistoryRollups.EncodeFunction}}(series integer, month date, points integer[], first_at timestamptz[], last_at timestamptz[],
                                                    open numeric[], high numeric[], low numeric[], close numeric[], market_caps numeric[], volumes numeric[])
                RETURNS {{HistoryRollups.HourlyEncoded}} LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
                DECLARE
                    encoded {{HistoryRollups.HourlyEncoded}};
                    month_start bigint := extract(epoch FROM month::timestamp AT TIME ZONE 'UTC')::bigint * 1000000;
                BEGIN
                    encoded.series_id := series;
                    encoded.month := month;
                    encoded.points := points;
                    -- As price_chunk_encode's times: microseconds since the month's start, then since the previous hour's.
                    SELECT array_agg(f ORDER BY i), array_agg(l ORDER BY i) INTO encoded.first_deltas, encoded.last_deltas
                      FROM (SELECT i, f - coalesce(lag(f) OVER (ORDER BY i), month_start) AS f, l - coalesce(lag(l) OVER (ORDER BY i), month_start) AS l
                              FROM (SELECT i, (extract(epoch FROM ft) * 1000000)::bigint AS f, (extract(epoch FROM lt) * 1000000)::bigint AS l
                                      FROM unnest(first_at, last_at) WITH ORDINALITY AS x(ft, lt, i)) x) y;
                    encoded.open_codes := price_chunk_codes(open);
                    encoded.high_codes := price_chunk_codes(high);
                    encoded.low_codes := price_chunk_codes(low);
                    encoded.close_codes := price_chunk_codes(close);
                    encoded.market_cap_codes := price_chunk_codes(market_caps);
                    encoded.volume_codes := price_chunk_codes(volumes);
                    IF encoded.open_codes IS NULL THEN encoded.open := open; END IF;
                    IF encoded.high_codes IS NULL THEN encoded.high := high; END IF;
                    IF encoded.low_codes IS NULL THEN encoded.low := low; END IF;
                    IF encoded.close_codes IS NULL THEN encoded.close := close; END IF;
                    IF encoded.market_cap_codes IS NULL THEN encoded.market_cap_usd := market_caps; END IF;
                    IF encoded.volume_codes IS NULL THEN encoded.volume_24h_usd := volumes; END IF;
                    RETURN encoded;
                END $$;

                -- price_chunk_points' decoding, over the columns of an hour: running sums of the deltas, then each code
                -- back to its exact numeric (round only sets the display scale), the scales read once per row (OFFSET 0). A ROWS
                -- frame: the positions are unique, and RANGE looks for peers at every row (5% of the decoding).
                CREATE FUNCTION {{HistoryRollups.DecodeFunction}}(month date, points integer[], first_deltas bigint[], last_deltas bigint[],
                                                    open_codes bigint[], open numeric[], high_codes bigint[], high numeric[], low_codes bigint[], low numeric[],
                                                    close_codes bigint[], close numeric[], market_cap_codes bigint[], market_caps numeric[],
                                                    volume_codes bigint[], volumes numeric[])
                RETURNS TABLE (points integer, first_at timestamptz, last_at timestamptz, open numeric, high numeric, low numeric, close numeric,
                               market_cap_usd numeric, volume_24h_usd numeric)
                LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                    SELECT s.n, month::timestamp AT TIME ZONE 'UTC' + s.f * interval '1 microsecond',
                           month::timestamp AT TIME ZONE 'UTC' + s.l * interval '1 microsecond',
                           CASE WHEN s.o IS NULL THEN s.ov ELSE round((s.o >> 5)::numeric * k.ou, (s.o & 31)::integer) END,
                           CASE WHEN s.h IS NULL THEN s.hv ELSE round((s.h >> 5)::numeric * k.hu, (s.h & 31)::integer) END,
                           CASE WHEN s.lo IS NULL THEN s.lov ELSE round((s.lo >> 5)::numeric * k.lou, (s.lo & 31)::integer) END,
                           CASE WHEN s.c IS NULL THEN s.cv ELSE round((s.c >> 5)::numeric * k.cu, (s.c & 31)::integer) END,
                           CASE WHEN s.m IS NULL THEN s.mv ELSE round((s.m >> 5)::numeric * k.mu, (s.m & 31)::integer) END,
                           CASE WHEN s.v IS NULL THEN s.vv ELSE round((s.v >> 5)::numeric * k.vu, (s.v & 31)::integer) END
                      FROM (SELECT ('1e-' || open_codes[1])::numeric AS ou, ('1e-' || high_codes[1])::numeric AS hu,
                                   ('1e-' || low_codes[1])::numeric AS lou, ('1e-' || close_codes[1])::numeric AS cu,
                                   ('1e-' || market_cap_codes[1])::numeric AS mu, ('1e-' || volume_codes[1])::numeric AS vu OFFSET 0) k,
                           (SELECT u.n, u.ov, u.hv, u.lov, u.cv, u.mv, u.vv,
                                   (sum(u.f) OVER w)::bigint AS f, (sum(u.l) OVER w)::bigint AS l,
                                   CASE WHEN u.o IS NOT NULL THEN (sum(u.o) OVER w)::bigint END AS o,
                                   CASE WHEN u.h IS NOT NULL THEN (sum(u.h) OVER w)::bigint END AS h,
                                   CASE WHEN u.lo IS NOT NULL THEN (sum(u.lo) OVER w)::bigint END AS lo,
                                   CASE WHEN u.c IS NOT NULL THEN (sum(u.c) OVER w)::bigint END AS c,
                                   CASE WHEN u.m IS NOT NULL THEN (sum(u.m) OVER w)::bigint END AS m,
                                   CASE WHEN u.v IS NOT NULL THEN (sum(u.v) OVER w)::bigint END AS v
                              FROM unnest(points, first_deltas, last_deltas, open_codes[2:], open, high_codes[2:], high, low_codes[2:], low,
                                          close_codes[2:], close, market_cap_codes[2:], market_caps, volume_codes[2:], volumes)
                                   WITH ORDINALITY AS u(n, f, l, o, ov, h, hv, lo, lov, c, cv, m, mv, v, vv, i)
                            WINDOW w AS (ORDER BY u.i ROWS UNBOUNDED PRECEDING)) s
                $$;
                """);

            // A day's hours are in one table or the other, so the branches never return a bucket twice. An encoded month
            // holds hours in the range when it starts in from_time's month or later, and on or before to_time's day.
            migrationBuilder.Sql(RowsFunction($$"""
                {{DayRows}}
                UNION ALL
                SELECT e.series_id, h.bucket, h.points, h.first_at, h.last_at, h.open, h.high, h.low, h.close, h.market_cap_usd, h.volume_24h_usd
                  FROM {{HistoryRollups.HourlyEncoded}} e
                 CROSS JOIN LATERAL (
                       SELECT date_bin(interval '1 hour', u.first_at, timestamptz '1970-01-01Z') AS bucket, u.*
                         FROM {{HistoryRollups.HoursOf("e")}} AS u) AS h
                 WHERE width = interval '1 hour' AND e.series_id = ANY(series)
                   AND e.month >= date_trunc('month', from_time AT TIME ZONE 'UTC')::date AND e.month <= (to_time AT TIME ZONE 'UTC')::date
                   AND h.bucket >= from_time AND h.bucket < to_time
                UNION ALL
                {{DailyRows}}
                """));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(HistoryRollups.ThawMonths($"SELECT series_id, month FROM {HistoryRollups.HourlyEncoded}"));
            migrationBuilder.Sql(RowsFunction($"""
                {DayRows}
                UNION ALL
                {DailyRows}
                """));
            migrationBuilder.Sql($"""
                DROP FUNCTION {HistoryRollups.DecodeFunction}(date, integer[], bigint[], bigint[], bigint[], numeric[], bigint[], numeric[], bigint[], numeric[],
                                                 bigint[], numeric[], bigint[], numeric[], bigint[], numeric[]);
                DROP FUNCTION {HistoryRollups.EncodeFunction}(integer, date, integer[], timestamptz[], timestamptz[], numeric[], numeric[], numeric[], numeric[], numeric[], numeric[]);
                DROP TABLE {HistoryRollups.HourlyEncoded};
                """);
        }

        /// <summary><c>price_rollups</c> (migration HourlyRollupsByDay) returning the rows of <paramref name="body"/>.</summary>
        private static string RowsFunction(string body) => $$"""
            CREATE OR REPLACE FUNCTION {{HistoryRollups.RowsFunction}}(width interval, series integer[], from_time timestamptz, to_time timestamptz)
            RETURNS TABLE ({{ColumnTypes}})
            LANGUAGE sql STABLE AS $$
            {{body}}
            $$;
            """;
    }
}
