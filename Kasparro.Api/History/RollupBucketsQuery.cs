using Kasparro.Data;
using Npgsql;
using NpgsqlTypes;

namespace Kasparro.Api.History;

/// <summary>
/// The hourly or daily rollup rows of an asset's series (<see cref="HistoryRollups"/>), exact at every moment: a bucket
/// comes from the stored rollups unless its UTC day is still in the rollup queue, and the queued days are computed from
/// the raw points with the same function the rollup step uses. One statement, so one snapshot: the rollup step's
/// recompute and queue removal (one transaction) is seen whole or not at all.
/// </summary>
public static class RollupBucketsQuery
{
    /// <summary>
    /// The common table expression <c>buckets</c>: the rollup rows of width $4 (the columns of
    /// <see cref="HistoryRollups.RowsFunction"/>, with the series' source and source_id in place of its id) of the
    /// asset's series, found through its mappings, starting in [$2, $3); to be followed by a SELECT over it. Parameters
    /// (see <see cref="AddParameters"/>): $1 asset id, $2 from, $3 to (whole buckets), $4 the bucket width (1 hour or 1
    /// day), $5 one source or null for all.
    /// </summary>
    public const string With = $"""
        WITH series AS (
            SELECT s.id, s.source, s.source_id
              FROM asset_mappings m
              JOIN {HistoryStorage.SeriesTable} s ON s.source = m.source COLLATE "C" AND s.source_id = m.source_id COLLATE "C"
             WHERE m.asset_id = $1 AND ($5::text IS NULL OR m.source = $5)
        ), queued AS (
            -- The queue holds an entry per write: a day written twice is there twice.
            SELECT DISTINCT s.id, s.source, s.source_id, q.day
              FROM series s
              JOIN {HistoryRollups.QueueTable} q ON q.series_id = s.id
             WHERE q.day >= date_trunc('day', $2::timestamptz, 'UTC') AND q.day < $3
        ), buckets AS (
            SELECT s.source, s.source_id, r.bucket, r.points, r.first_at, r.last_at, r.open, r.high, r.low, r.close, r.market_cap_usd, r.volume_24h_usd
              FROM series s
             CROSS JOIN LATERAL {HistoryRollups.RowsFunction}($4, ARRAY[s.id], $2, $3) r
             WHERE NOT EXISTS (SELECT 1 FROM queued q WHERE q.id = r.series_id AND q.day = date_trunc('day', r.bucket, 'UTC'))
            UNION ALL
            SELECT q.source, q.source_id, b.bucket, b.points, b.first_at, b.last_at, b.open, b.high, b.low, b.close, b.market_cap_usd, b.volume_24h_usd
              FROM queued q
             CROSS JOIN LATERAL {HistoryRollups.BucketsFunction}($4, ARRAY[q.id], greatest(q.day, $2), least(q.day + interval '1 day', $3)) b
        )
        """;

    /// <summary>The parameters <see cref="With"/> reads, in order.</summary>
    public static void AddParameters(NpgsqlParameterCollection parameters, string assetId, DateTimeOffset from, DateTimeOffset to, TimeSpan width, string? source)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = assetId });
        parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to });
        parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = width });
        parameters.Add(new NpgsqlParameter<string?> { TypedValue = source, NpgsqlDbType = NpgsqlDbType.Text });
    }
}
