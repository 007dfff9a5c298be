namespace Kasparro.Data;

/// <summary>
/// The price history's hourly and daily rollups (migrations <c>PriceRollups</c>, <c>HourlyRollupsByDay</c>): per series
/// and bucket, the open, high, low and close of the price, the market cap and volume of the bucket's last point, the
/// number of points and the first and last point's time (to merge several series of one source). The hourly ones are
/// stored one row per series and UTC day (<see cref="Hourly"/>), the daily ones one row per bucket (<see cref="Daily"/>);
/// readers take both as bucket rows from <see cref="RowsFunction"/>. Kept exact after commit: writes to
/// <see cref="HistoryStorage.PointsTable"/> queue the (series, UTC day) they touch in <see cref="QueueTable"/> within
/// their own transaction; the ingestion's rollup step recomputes each queued day from the raw points with
/// <see cref="BucketsFunction"/> and removes its entry in the same transaction. Readers take a bucket from the rollups
/// unless its day is still queued, and compute those few from the raw points with the same function. The hours of cold
/// months (migration <c>EncodedHourlyRollups</c>) are stored encoded, a row per series and month (<see cref="HourlyEncoded"/>);
/// a UTC day's hours are in one of the two hourly tables, never both.
/// </summary>
public static class HistoryRollups
{
    /// <summary>
    /// Hourly rollups, a row per series and UTC day (<c>day date</c>) holding the day's hours in time order as parallel
    /// arrays (<see cref="HourlyArrays"/>); an hour's bucket is the start of the hour of its <c>first_at</c>.
    /// </summary>
    public const string Hourly = "price_rollups_1h";

    /// <summary>
    /// The hourly rollups of cold months, a row per series and UTC month (<c>month date</c>, its first day) holding the
    /// month's hours in time order, encoded as compacted points are (<see cref="EncodeFunction"/>). The history compaction
    /// moves the <see cref="Hourly"/> rows of months older than <c>History:CompactAfter</c> here; the rollup step moves a
    /// month back (<see cref="ThawMonths"/>) before it rewrites a day of it. A month, not a day: a day row (~2 kB) stays
    /// under PostgreSQL's TOAST threshold and is never compressed, so encoded day rows measured no smaller than plain ones.
    /// </summary>
    public const string HourlyEncoded = "price_rollups_1h_encoded";

    /// <summary>
    /// <c>price_rollup_encode(series, month, points[], first_at[], last_at[], open[], high[], low[], close[], market_caps[],
    /// volumes[]) returns price_rollups_1h_encoded</c>: the encoded row of a series' month of hours, given in time order.
    /// Times as microsecond deltas (from the month's start, then from the previous hour's); each value column as
    /// <c>price_chunk_codes</c> makes it for compacted points, or its exact numeric array when a value does not fit.
    /// </summary>
    public const string EncodeFunction = "price_rollup_encode";

    /// <summary>
    /// <c>price_rollup_hours(month, points, first_deltas, last_deltas, open_codes, open, high_codes, high, low_codes, low,
    /// close_codes, close, market_cap_codes, market_cap_usd, volume_codes, volume_24h_usd)</c>: the hours of one encoded row
    /// (the columns of <see cref="HourlyArrays"/>), exactly as they were encoded. Inlined SQL, used through <see cref="HoursOf"/>.
    /// </summary>
    public const string DecodeFunction = "price_rollup_hours";

    /// <summary>The <see cref="DecodeFunction"/> call over the <see cref="HourlyEncoded"/> row aliased <paramref name="row"/> (use as <c>CROSS JOIN LATERAL ... h</c>).</summary>
    public static string HoursOf(string row) =>
        $"{DecodeFunction}({row}.month, {row}.points, {row}.first_deltas, {row}.last_deltas, {row}.open_codes, {row}.open, " +
        $"{row}.high_codes, {row}.high, {row}.low_codes, {row}.low, {row}.close_codes, {row}.close, " +
        $"{row}.market_cap_codes, {row}.market_cap_usd, {row}.volume_codes, {row}.volume_24h_usd)";

    /// <summary>
    /// Moves the <see cref="HourlyEncoded"/> rows of the (series_id, month) pairs of the query <paramref name="months"/>
    /// back to <see cref="Hourly"/> day rows, exactly; a pair without an encoded row is left alone. One statement.
    /// </summary>
    public static string ThawMonths(string months) => $"""
        WITH thawed AS (
            DELETE FROM {HourlyEncoded} e USING ({months}) AS m
             WHERE e.series_id = m.series_id AND e.month = m.month
            RETURNING e.*)
        {InsertHours($"SELECT t.series_id, date_bin(interval '1 hour', h.first_at, timestamptz '1970-01-01Z') AS bucket, h.* FROM thawed t CROSS JOIN LATERAL {HoursOf("t")} h")}
        """;

    /// <summary>Daily (UTC) rollups, a row per series and bucket.</summary>
    public const string Daily = "price_rollups_1d";

    /// <summary>Both rollup tables.</summary>
    public static readonly string[] Tables = [Hourly, Daily];

    /// <summary>The array columns of <see cref="Hourly"/> after its key (series_id, day), one element per hour.</summary>
    public const string HourlyArrays = "points, first_at, last_at, open, high, low, close, market_cap_usd, volume_24h_usd";

    /// <summary>
    /// The (series, UTC day) pairs whose rollups wait for recomputation: an entry (with an increasing id) per write, not
    /// unique, so writers never wait for each other here; the rollup step removes the entries it took, by id.
    /// </summary>
    public const string QueueTable = "price_rollup_queue";

    /// <summary>
    /// <c>price_rollup_buckets(width interval, series integer[], from_time, to_time)</c>: the rollup rows of the given
    /// series' points in [from_time, to_time), computed from the raw points.
    /// </summary>
    public const string BucketsFunction = "price_rollup_buckets";

    /// <summary>
    /// <c>price_rollups(width interval, series integer[], from_time, to_time)</c>: the stored rollup rows (1 hour or 1
    /// day) of the given series starting in [from_time, to_time), with the columns of <see cref="BucketsFunction"/>.
    /// </summary>
    public const string RowsFunction = "price_rollups";

    /// <summary>Whether buckets of this width (1 hour or 1 day) are kept as rollups.</summary>
    public static bool Covers(TimeSpan width) => width == TimeSpan.FromHours(1) || width == TimeSpan.FromDays(1);

    /// <summary>
    /// Stores hourly bucket rows (<paramref name="hourRows"/>: a query with the columns of <see cref="BucketsFunction"/>,
    /// whole UTC days of each series, no day of them stored yet) as rows of <see cref="Hourly"/>; a RETURNING clause may follow.
    /// </summary>
    /// <remarks>
    /// One sort of the hours, not one per array and day (PostgreSQL 15 sorts each ordered aggregate's input apart): the
    /// aggregates read the rows of the sorted subquery in its order, as price_rollup_buckets takes its points.
    /// </remarks>
    public static string InsertHours(string hourRows) => $"""
        INSERT INTO {Hourly} (series_id, day, {HourlyArrays})
        SELECT series_id, day, array_agg(points), array_agg(first_at), array_agg(last_at), array_agg(open), array_agg(high),
               array_agg(low), array_agg(close), array_agg(market_cap_usd), array_agg(volume_24h_usd)
          FROM (SELECT h.*, (h.bucket AT TIME ZONE 'UTC')::date AS day FROM ({hourRows}) AS h ORDER BY h.series_id, day, h.bucket) AS hours
         GROUP BY series_id, day
        """;
}
