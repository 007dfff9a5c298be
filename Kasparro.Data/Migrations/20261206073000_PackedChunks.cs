using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// Compacted days bit-packed (<see cref="HistoryCompaction"/>, docs/performance.md "compacted days bit-packed"): the time deltas and
    /// each value column of a chunk become one <c>bit varying</c> of fixed-width zigzagged changes
    /// (<c>price_chunk_pack</c>), where <c>EncodedChunks</c> kept 8-byte deltas in <c>bigint[]</c> that lz4 could not
    /// shrink below ~7.6 bytes a value. Values that do not fit keep their exact numeric arrays, as before. Existing chunks
    /// are converted in place, set-based: one <c>ALTER TABLE ... TYPE ... USING</c> rewrites each partition once (no thaw
    /// to rows, and the tables end compact). Down converts them back the same way.
    /// </summary>
    public partial class PackedChunks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The view reads the columns that change: off them while they do. The previous decoder reads each old column for
            // the conversion (its times made 1, 2, 3 ... microseconds so the points come back in order), then goes.
            migrationBuilder.Sql($$"""
                CREATE OR REPLACE VIEW {{HistoryStorage.View}} AS {{RowsOfView}};
                {{PackFunction}}
                CREATE FUNCTION price_chunk_code_values(codes bigint[]) RETURNS numeric[] LANGUAGE sql IMMUTABLE STRICT AS $$
                    SELECT array_agg(u.price_usd ORDER BY u.observed_at)
                      FROM {{HistoryCompaction.DecodeFunction}}(date '2000-01-01', array_fill(1::bigint, ARRAY[cardinality(codes) - 1]), NULL::boolean[],
                                              codes, NULL::numeric[], NULL::bigint[], NULL::numeric[], NULL::bigint[], NULL::numeric[]) u
                $$;
                ALTER TABLE {{HistoryCompaction.ChunksTable}}
                    ALTER COLUMN time_deltas TYPE bit varying USING price_chunk_pack(time_deltas::numeric[]),
                    ALTER COLUMN price_codes TYPE bit varying USING price_chunk_pack(price_chunk_code_values(price_codes)),
                    ALTER COLUMN market_cap_codes TYPE bit varying USING price_chunk_pack(price_chunk_code_values(market_cap_codes)),
                    ALTER COLUMN volume_codes TYPE bit varying USING price_chunk_pack(price_chunk_code_values(volume_codes));
                DROP FUNCTION price_chunk_code_values(bigint[]);
                DROP FUNCTION {{HistoryCompaction.DecodeFunction}}(date, bigint[], boolean[], bigint[], numeric[], bigint[], numeric[], bigint[], numeric[]);
                {{PointsFunction}}
                """);
            migrationBuilder.Sql(EncodeFunction(
                "price_chunk_pack((SELECT array_agg(d::numeric ORDER BY i) FROM (SELECT i, us - coalesce(lag(us) OVER (ORDER BY i), day_start) AS d FROM microseconds) y))",
                "price_chunk_pack"));
            migrationBuilder.Sql(ViewWithChunks);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The packed columns read through the packed decoder (any column decodes as prices; times are a column of
            // integers), then made EncodedChunks' codes again: a packed value fits the same 62-bit rule, so none falls back.
            migrationBuilder.Sql($$"""
                CREATE OR REPLACE VIEW {{HistoryStorage.View}} AS {{RowsOfView}};
                {{PreviousPointsFunction}}
                CREATE FUNCTION price_chunk_packed_values(codes bit varying, points integer) RETURNS numeric[] LANGUAGE sql IMMUTABLE STRICT AS $$
                    SELECT array_agg(u.price_usd ORDER BY u.observed_at)
                      FROM {{HistoryCompaction.DecodeFunction}}(date '2000-01-01', price_chunk_pack(array_fill(1::numeric, ARRAY[points])),
                                              array_fill(false, ARRAY[points]), codes, NULL::numeric[], NULL::bit varying, NULL::numeric[],
                                              NULL::bit varying, NULL::numeric[]) u
                $$;
                -- STRICT, so a column kept as numbers stays NULL (a CASE over the column in USING fails on a partition whose
                -- columns are numbered apart from the parent's: "attribute number 12 exceeds number of columns 11").
                CREATE FUNCTION price_chunk_packed_codes(codes bit varying, points integer) RETURNS bigint[] LANGUAGE sql IMMUTABLE STRICT AS $$
                    SELECT price_chunk_codes(price_chunk_packed_values(codes, points))
                $$;
                ALTER TABLE {{HistoryCompaction.ChunksTable}}
                    ALTER COLUMN time_deltas TYPE bigint[] USING price_chunk_packed_values(time_deltas, points)::bigint[],
                    ALTER COLUMN price_codes TYPE bigint[] USING price_chunk_packed_codes(price_codes, points),
                    ALTER COLUMN market_cap_codes TYPE bigint[] USING price_chunk_packed_codes(market_cap_codes, points),
                    ALTER COLUMN volume_codes TYPE bigint[] USING price_chunk_packed_codes(volume_codes, points);
                DROP FUNCTION price_chunk_packed_codes(bit varying, integer);
                DROP FUNCTION price_chunk_packed_values(bit varying, integer);
                DROP FUNCTION {{HistoryCompaction.DecodeFunction}}(date, bit varying, boolean[], bit varying, numeric[], bit varying, numeric[], bit varying, numeric[]);
                """);
            migrationBuilder.Sql(EncodeFunction(
                "(SELECT array_agg(d ORDER BY i) FROM (SELECT i, us - coalesce(lag(us) OVER (ORDER BY i), day_start) AS d FROM microseconds) y)",
                "price_chunk_codes"));
            migrationBuilder.Sql("DROP FUNCTION price_chunk_pack(numeric[]);");
            migrationBuilder.Sql(ViewWithChunks);
        }

        /// <summary>EncodedChunks' <c>price_history</c> view over the rows alone (while the chunks' columns change).</summary>
        private const string RowsOfView = $"""
            SELECT s.source, s.source_id, p.observed_at, s.asset_id, p.price_usd, p.market_cap_usd, p.volume_24h_usd, p.is_backfill
              FROM {HistoryStorage.PointsTable} p JOIN {HistoryStorage.SeriesTable} s ON s.id = p.series_id
            """;

        /// <summary>EncodedChunks' <c>price_history</c> view: the rows and the compacted points.</summary>
        private static readonly string ViewWithChunks = $"""
            CREATE OR REPLACE VIEW {HistoryStorage.View} AS
            {RowsOfView}
            UNION ALL
            SELECT s.source, s.source_id, u.observed_at, s.asset_id, u.price_usd, u.market_cap_usd, u.volume_24h_usd, u.is_backfill
              FROM {HistoryCompaction.ChunksTable} c JOIN {HistoryStorage.SeriesTable} s ON s.id = c.series_id
             CROSS JOIN LATERAL {HistoryCompaction.PointsOf("c")} u;
            """;

        /// <summary>
        /// <see cref="HistoryCompaction.EncodeFunction"/> with the times made by <paramref name="times"/> (over
        /// <c>microseconds(i, us)</c> and <c>day_start</c>) and each value column by <paramref name="codes"/>.
        /// </summary>
        private static string EncodeFunction(string times, string codes) => $$"""
            CREATE OR REPLACE FUNCTION {{HistoryCompaction.EncodeFunction}}(series integer, day date, times timestamptz[], is_backfill boolean[],
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
                WITH microseconds AS (SELECT i, (extract(epoch FROM t) * 1000000)::bigint AS us FROM unnest(times) WITH ORDINALITY AS x(t, i))
                SELECT {{times}} INTO chunk.time_deltas;
                chunk.price_codes := {{codes}}(prices);
                chunk.market_cap_codes := {{codes}}(market_caps);
                chunk.volume_codes := {{codes}}(volumes);
                IF chunk.price_codes IS NULL THEN chunk.price_usd := prices; END IF;
                IF chunk.market_cap_codes IS NULL THEN chunk.market_cap_usd := market_caps; END IF;
                IF chunk.volume_codes IS NULL THEN chunk.volume_24h_usd := volumes; END IF;
                RETURN chunk;
            END $$;
            """;

        /// <summary>
        /// <c>price_chunk_pack(numeric[]) returns bit varying</c>: a column of a chunk as fixed-width changes. The layout
        /// (bits, most significant first): width w (7), common scale S (5), own-scale bits k (3), has-nulls (1), the first
        /// value's code (64), then when it has NULLs one bit a value (1 = NULL), then one w-bit zigzagged change a value (0
        /// for a NULL). A value's code is value * 10^S * 2^k + (S - its own scale): the own scale keeps trailing zeros (1.50
        /// stays 1.50), and k is 0 when every value has S decimals. NULL when a value does not fit (more than 31 decimals,
        /// or beyond 62 bits in EncodedChunks' form, so either form holds what the other does): the column then keeps its
        /// numeric array. Time deltas are packed the same way, as integers: a regular series' changes are all 0 (w = 0).
        /// </summary>
        private const string PackFunction = """
            CREATE FUNCTION price_chunk_pack(vals numeric[]) RETURNS bit varying LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
            DECLARE
                common integer := 0;
                gap integer := 0;
                scale_bits integer;
                v numeric;
                unit numeric;
                factor numeric;
                code numeric;
                first_code numeric;
                previous numeric;
                change numeric;
                zigzags numeric[] := '{}';
                widest numeric := 0;
                width integer := 0;
                has_nulls boolean := false;
                nulls text := '';
            BEGIN
                FOREACH v IN ARRAY vals LOOP
                    IF v IS NULL THEN
                        has_nulls := true;
                    ELSIF scale(v) > common THEN
                        common := scale(v);
                    END IF;
                END LOOP;
                IF common > 31 THEN
                    RETURN NULL;
                END IF;
                FOREACH v IN ARRAY vals LOOP
                    IF common - scale(v) > gap THEN
                        gap := common - scale(v);
                    END IF;
                END LOOP;
                scale_bits := CASE WHEN gap = 0 THEN 0 WHEN gap = 1 THEN 1 WHEN gap < 4 THEN 2 WHEN gap < 8 THEN 3 WHEN gap < 16 THEN 4 ELSE 5 END;
                unit := 10::numeric ^ common;
                factor := unit * 2::numeric ^ scale_bits;
                FOREACH v IN ARRAY vals LOOP
                    IF v IS NULL THEN
                        zigzags := zigzags || 0::numeric;
                        nulls := nulls || '1';
                    ELSE
                        IF abs(v * unit * 32 + scale(v)) >= 4611686018427387904 THEN
                            RETURN NULL;
                        END IF;
                        code := v * factor + (common - scale(v));
                        IF first_code IS NULL THEN
                            first_code := code;
                            previous := code;
                        END IF;
                        -- Zigzag: 0, -1, 1, -2 ... as 0, 1, 2, 3 ..., so small changes of either sign need few bits.
                        change := code - previous;
                        change := CASE WHEN change >= 0 THEN 2 * change ELSE -2 * change - 1 END;
                        zigzags := zigzags || change;
                        IF change > widest THEN
                            widest := change;
                        END IF;
                        previous := code;
                        nulls := nulls || '0';
                    END IF;
                END LOOP;
                WHILE widest >= 2::numeric ^ width LOOP
                    width := width + 1;
                END LOOP;
                -- A change below 2^64 written as the bigint of the same 64 bits, of which the low w are kept.
                RETURN (width::bit(7)::text || common::bit(5)::text || scale_bits::bit(3)::text || has_nulls::integer::bit(1)::text
                        || coalesce(first_code, 0)::bigint::bit(64)::text || CASE WHEN has_nulls THEN nulls ELSE '' END
                        || coalesce((SELECT string_agg(substring((CASE WHEN z >= 9223372036854775808 THEN z - 18446744073709551616 ELSE z END)::bigint::bit(64)::text
                                                                  FROM 65 - width), '' ORDER BY i)
                                       FROM unnest(zigzags) WITH ORDINALITY AS u(z, i)), ''))::bit varying;
            END $$;
            """;

        /// <summary>
        /// The packed <see cref="HistoryCompaction.DecodeFunction"/>, inlined into its callers. Per chunk, once (the
        /// <c>OFFSET 0</c> subqueries keep the planner from pulling them up into every point): each column detoasted
        /// (<c>substring(... FROM 1)</c>; read in place, every point's <c>substring</c> decompressed the whole column again,
        /// 10x slower) and its header read. Per point: its w bits of each column, un-zigzagged (a NULL's slot holds 0, so
        /// the running sum passes over it), running sums of the changes from the first code, a second running sum of the
        /// time deltas from the day's start, and each code back to its exact numeric (round only sets the display scale).
        /// </summary>
        private const string PointsFunction = $$"""
            CREATE FUNCTION {{HistoryCompaction.DecodeFunction}}(chunk_day date, time_deltas bit varying, backfill boolean[],
                                               price_codes bit varying, prices numeric[], market_cap_codes bit varying, market_caps numeric[],
                                               volume_codes bit varying, volumes numeric[])
            RETURNS TABLE (observed_at timestamptz, is_backfill boolean, price_usd numeric, market_cap_usd numeric, volume_24h_usd numeric)
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                SELECT chunk_day::timestamp AT TIME ZONE 'UTC' + (sum(d.t) OVER w)::bigint * interval '1 microsecond', d.b,
                       CASE WHEN d.p IS NULL THEN d.pn ELSE round((d.p >> k.p_shift)::numeric * k.p_unit, k.p_scale - (d.p & k.p_mask)::integer) END,
                       CASE WHEN d.m IS NULL THEN d.mn ELSE round((d.m >> k.m_shift)::numeric * k.m_unit, k.m_scale - (d.m & k.m_mask)::integer) END,
                       CASE WHEN d.v IS NULL THEN d.vn ELSE round((d.v >> k.v_shift)::numeric * k.v_unit, k.v_scale - (d.v & k.v_mask)::integer) END
                  FROM (SELECT h.*, ('1e-' || h.p_scale)::numeric AS p_unit, (1 << h.p_shift) - 1 AS p_mask,
                               ('1e-' || h.m_scale)::numeric AS m_unit, (1 << h.m_shift) - 1 AS m_mask,
                               ('1e-' || h.v_scale)::numeric AS v_unit, (1 << h.v_shift) - 1 AS v_mask
                          FROM (SELECT int8(substring(r.t_bits FROM 1 FOR 7))::integer AS t_width, int8(substring(r.t_bits FROM 17 FOR 64)) AS t_first, r.t_bits,
                                       r.p_bits, int8(substring(r.p_bits FROM 1 FOR 7))::integer AS p_width, int8(substring(r.p_bits FROM 8 FOR 5))::integer AS p_scale,
                                       int8(substring(r.p_bits FROM 13 FOR 3))::integer AS p_shift, get_bit(r.p_bits, 15) = 1 AS p_nulls,
                                       int8(substring(r.p_bits FROM 17 FOR 64)) AS p_first, 81 + get_bit(r.p_bits, 15) * r.n AS p_start,
                                       r.m_bits, int8(substring(r.m_bits FROM 1 FOR 7))::integer AS m_width, int8(substring(r.m_bits FROM 8 FOR 5))::integer AS m_scale,
                                       int8(substring(r.m_bits FROM 13 FOR 3))::integer AS m_shift, get_bit(r.m_bits, 15) = 1 AS m_nulls,
                                       int8(substring(r.m_bits FROM 17 FOR 64)) AS m_first, 81 + get_bit(r.m_bits, 15) * r.n AS m_start,
                                       r.v_bits, int8(substring(r.v_bits FROM 1 FOR 7))::integer AS v_width, int8(substring(r.v_bits FROM 8 FOR 5))::integer AS v_scale,
                                       int8(substring(r.v_bits FROM 13 FOR 3))::integer AS v_shift, get_bit(r.v_bits, 15) = 1 AS v_nulls,
                                       int8(substring(r.v_bits FROM 17 FOR 64)) AS v_first, 81 + get_bit(r.v_bits, 15) * r.n AS v_start
                                  FROM (SELECT substring(time_deltas FROM 1) AS t_bits, substring(price_codes FROM 1) AS p_bits,
                                               substring(market_cap_codes FROM 1) AS m_bits, substring(volume_codes FROM 1) AS v_bits,
                                               cardinality(backfill) AS n OFFSET 0) r
                                OFFSET 0) h OFFSET 0) k
                 CROSS JOIN LATERAL (
                       SELECT c.i, c.b, c.pn, c.mn, c.vn,
                              k.t_first + (sum(c.t) OVER w)::bigint AS t,
                              CASE WHEN NOT c.p_null THEN k.p_first + (sum(c.p) OVER w)::bigint END AS p,
                              CASE WHEN NOT c.m_null THEN k.m_first + (sum(c.m) OVER w)::bigint END AS m,
                              CASE WHEN NOT c.v_null THEN k.v_first + (sum(c.v) OVER w)::bigint END AS v
                         FROM (SELECT x.i, x.b, x.pn, x.mn, x.vn,
                                      (z.t >> 1 & 9223372036854775807) # -(z.t & 1) AS t,
                                      (z.p >> 1 & 9223372036854775807) # -(z.p & 1) AS p, k.p_nulls AND get_bit(k.p_bits, 79 + x.i::integer) = 1 AS p_null,
                                      (z.m >> 1 & 9223372036854775807) # -(z.m & 1) AS m, k.m_nulls AND get_bit(k.m_bits, 79 + x.i::integer) = 1 AS m_null,
                                      (z.v >> 1 & 9223372036854775807) # -(z.v & 1) AS v, k.v_nulls AND get_bit(k.v_bits, 79 + x.i::integer) = 1 AS v_null
                                 FROM unnest(backfill, prices, market_caps, volumes) WITH ORDINALITY AS x(b, pn, mn, vn, i)
                                CROSS JOIN LATERAL (SELECT int8(substring(k.t_bits FROM 81 + (x.i - 1)::integer * k.t_width FOR k.t_width)) AS t,
                                                           int8(substring(k.p_bits FROM k.p_start + (x.i - 1)::integer * k.p_width FOR k.p_width)) AS p,
                                                           int8(substring(k.m_bits FROM k.m_start + (x.i - 1)::integer * k.m_width FOR k.m_width)) AS m,
                                                           int8(substring(k.v_bits FROM k.v_start + (x.i - 1)::integer * k.v_width FOR k.v_width)) AS v) z) c
                       WINDOW w AS (ORDER BY c.i ROWS UNBOUNDED PRECEDING)) d
                WINDOW w AS (ORDER BY d.i ROWS UNBOUNDED PRECEDING)
            $$;
            """;

        /// <summary>EncodedChunks' <see cref="HistoryCompaction.DecodeFunction"/> of <c>bigint[]</c> codes.</summary>
        private const string PreviousPointsFunction = $$"""
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
            """;
    }
}
