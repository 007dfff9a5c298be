using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// The hourly rollups stored one row per series and UTC day, the day's hours as parallel arrays, instead of a row per
    /// hour (docs/performance.md "Rollups by day"): 24x fewer tuples and key entries for hourly data, 4x less to write a
    /// day, a year's hourly read 365 rows. The rows present move over as they are (each day's hours packed in time order);
    /// queued days stay queued. Readers take rollup rows through <c>price_rollups(width, series, from, to)</c>.
    /// </summary>
    public partial class HourlyRollupsByDay : Migration
    {
        private const string Columns = "series_id, bucket, points, first_at, last_at, open, high, low, close, market_cap_usd, volume_24h_usd";

        private const string ColumnTypes = """
            series_id integer, bucket timestamptz, points integer, first_at timestamptz, last_at timestamptz,
            open numeric, high numeric, low numeric, close numeric, market_cap_usd numeric, volume_24h_usd numeric
            """;

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // An hour's bucket is not stored: it is the hour of its first point (buckets are epoch-aligned hours).
            migrationBuilder.Sql($$"""
                ALTER TABLE price_rollups_1h RENAME TO price_rollups_1h_by_hour;
                ALTER TABLE price_rollups_1h_by_hour RENAME CONSTRAINT pk_price_rollups_1h TO pk_price_rollups_1h_by_hour;
                CREATE TABLE price_rollups_1h (
                    series_id integer NOT NULL,
                    day date NOT NULL,
                    points integer[] NOT NULL,
                    first_at timestamptz[] NOT NULL,
                    last_at timestamptz[] NOT NULL,
                    open numeric[] NOT NULL,
                    high numeric[] NOT NULL,
                    low numeric[] NOT NULL,
                    close numeric[] NOT NULL,
                    market_cap_usd numeric[] NOT NULL,
                    volume_24h_usd numeric[] NOT NULL,
                    CONSTRAINT pk_price_rollups_1h PRIMARY KEY (series_id, day)
                );
                INSERT INTO price_rollups_1h
                SELECT series_id, (bucket AT TIME ZONE 'UTC')::date,
                       array_agg(points ORDER BY bucket), array_agg(first_at ORDER BY bucket), array_agg(last_at ORDER BY bucket),
                       array_agg(open ORDER BY bucket), array_agg(high ORDER BY bucket), array_agg(low ORDER BY bucket),
                       array_agg(close ORDER BY bucket), array_agg(market_cap_usd ORDER BY bucket), array_agg(volume_24h_usd ORDER BY bucket)
                  FROM price_rollups_1h_by_hour
                 GROUP BY 1, 2;
                DROP TABLE price_rollups_1h_by_hour;

                -- The stored rollup rows of a width, as price_rollup_buckets computes them from the points. Inlined by
                -- PostgreSQL; the width is a parameter in the readers' statements, so the branch of the other width is a
                -- one-time filter that is false and never runs.
                CREATE FUNCTION price_rollups(width interval, series integer[], from_time timestamptz, to_time timestamptz)
                RETURNS TABLE ({{ColumnTypes}})
                LANGUAGE sql STABLE AS $$
                    SELECT r.series_id, h.bucket, h.points, h.first_at, h.last_at, h.open, h.high, h.low, h.close, h.market_cap_usd, h.volume_24h_usd
                      FROM price_rollups_1h r
                     CROSS JOIN LATERAL (
                           SELECT date_bin(interval '1 hour', u.first_at, timestamptz '1970-01-01Z') AS bucket, u.*
                             FROM unnest(r.points, r.first_at, r.last_at, r.open, r.high, r.low, r.close, r.market_cap_usd, r.volume_24h_usd)
                                  AS u(points, first_at, last_at, open, high, low, close, market_cap_usd, volume_24h_usd)) AS h
                     WHERE width = interval '1 hour' AND r.series_id = ANY(series)
                       AND r.day >= (from_time AT TIME ZONE 'UTC')::date AND r.day <= (to_time AT TIME ZONE 'UTC')::date
                       AND h.bucket >= from_time AND h.bucket < to_time
                    UNION ALL
                    SELECT {{Columns}}
                      FROM price_rollups_1d d
                     WHERE width = interval '1 day' AND d.series_id = ANY(series) AND d.bucket >= from_time AND d.bucket < to_time
                $$;
                """);

            // One sort of the points per call instead of four per bucket: PostgreSQL 15 sorts each ordered aggregate's
            // input apart, per group (4 sorts of one row per bucket of hourly data were most of the rollup step's time).
            // The aggregates here take the rows in the order the subquery sorted them (an aggregate over a sorted subquery
            // with nothing between them reads its rows in that order), so the first and last of a bucket are its first
            // and last points, as ordered aggregates would take them.
            migrationBuilder.Sql($$"""
                CREATE OR REPLACE FUNCTION price_rollup_buckets(width interval, series integer[], from_time timestamptz, to_time timestamptz)
                RETURNS TABLE ({{ColumnTypes}})
                LANGUAGE sql STABLE AS $$
                    SELECT o.series_id, o.bucket, count(*)::integer, min(o.observed_at), max(o.observed_at),
                           (array_agg(o.price_usd))[1], max(o.price_usd), min(o.price_usd), (array_agg(o.price_usd))[count(*)],
                           (array_agg(o.market_cap_usd))[count(*)], (array_agg(o.volume_24h_usd))[count(*)]
                      FROM (SELECT p.series_id, date_bin(width, p.observed_at, timestamptz '1970-01-01Z') AS bucket, p.observed_at,
                                   p.price_usd, p.market_cap_usd, p.volume_24h_usd
                              FROM price_observations(series, from_time, to_time) p
                             ORDER BY 1, 2, 3) AS o
                     GROUP BY 1, 2
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($$"""
                CREATE OR REPLACE FUNCTION price_rollup_buckets(width interval, series integer[], from_time timestamptz, to_time timestamptz)
                RETURNS TABLE ({{ColumnTypes}})
                LANGUAGE sql STABLE AS $$
                    SELECT p.series_id, date_bin(width, p.observed_at, timestamptz '1970-01-01Z'), count(*)::integer,
                           min(p.observed_at), max(p.observed_at),
                           (array_agg(p.price_usd ORDER BY p.observed_at))[1], max(p.price_usd), min(p.price_usd),
                           (array_agg(p.price_usd ORDER BY p.observed_at DESC))[1],
                           (array_agg(p.market_cap_usd ORDER BY p.observed_at DESC))[1],
                           (array_agg(p.volume_24h_usd ORDER BY p.observed_at DESC))[1]
                      FROM price_observations(series, from_time, to_time) p
                     WHERE p.series_id = ANY(series) AND p.observed_at >= from_time AND p.observed_at < to_time
                     GROUP BY 1, 2
                $$;
                DROP FUNCTION price_rollups(interval, integer[], timestamptz, timestamptz);
                ALTER TABLE price_rollups_1h RENAME TO price_rollups_1h_by_day;
                ALTER TABLE price_rollups_1h_by_day RENAME CONSTRAINT pk_price_rollups_1h TO pk_price_rollups_1h_by_day;
                CREATE TABLE price_rollups_1h (
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
                    CONSTRAINT pk_price_rollups_1h PRIMARY KEY (series_id, bucket)
                );
                INSERT INTO price_rollups_1h ({{Columns}})
                SELECT r.series_id, date_bin(interval '1 hour', u.first_at, timestamptz '1970-01-01Z'), u.*
                  FROM price_rollups_1h_by_day r
                 CROSS JOIN LATERAL unnest(r.points, r.first_at, r.last_at, r.open, r.high, r.low, r.close, r.market_cap_usd, r.volume_24h_usd)
                       AS u(points, first_at, last_at, open, high, low, close, market_cap_usd, volume_24h_usd);
                DROP TABLE price_rollups_1h_by_day;
                """);
        }
    }
}
