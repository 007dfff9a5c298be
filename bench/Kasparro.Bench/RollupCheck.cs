using System.Diagnostics;
using Kasparro.Data;
using Kasparro.Ingestion.Rollups;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Kasparro.Testing;
using Npgsql;

namespace Kasparro.Bench;

/// <summary>
/// The scale benchmark's rollup steps (<see cref="HistoryRollups"/>): after the seed, which bypasses the ingestion's
/// rollup step, every queued day is rolled up at once as that step would (from <c>price_rollup_buckets</c>, queue
/// emptied in the same transaction); after the load, the stored buckets of a sample of series are compared with a
/// recomputation from the points (rows and compacted days, as price_observations returns them) written here independently (open = first price, high, low, close = last price, the
/// last point's market cap and volume, count, first and last time, per UTC hour and day). Buckets of days still queued
/// are counted apart: readers compute those from the points until the rollup step has run.
/// </summary>
public static class RollupCheck
{
    private static readonly string[] Widths = ["1 hour", "1 day"];

    private const string Columns = "series_id, bucket, points, first_at, last_at, open, high, low, close, market_cap_usd, volume_24h_usd";

    /// <summary>Rolls up every queued day of the seed and empties the queue, in one transaction.</summary>
    public static async Task RollUpSeedAsync(PostgresServer server, string database)
    {
        var clock = Stopwatch.StartNew();
        const string AllSeries = $"array(SELECT id FROM {HistoryStorage.SeriesTable})";
        await server.ExecuteAsync(database, $"""
            BEGIN;
            {HistoryRollups.InsertHours($"SELECT * FROM {HistoryRollups.BucketsFunction}(interval '1 hour', {AllSeries}, '-infinity', 'infinity')")};
            INSERT INTO {HistoryRollups.Daily} ({Columns})
            SELECT {Columns} FROM {HistoryRollups.BucketsFunction}(interval '1 day', {AllSeries}, '-infinity', 'infinity');
            DELETE FROM {HistoryRollups.QueueTable};
            COMMIT;
            """);
        Console.WriteLine($"rollups of the seed: every queued (series, day) rolled up at once from {HistoryRollups.BucketsFunction}, queue emptied, " +
            $"in {clock.Elapsed.TotalSeconds:F0} s (the seed bypasses the ingestion's rollup step)");
        // What the rollup worker's next tick does with the emptied queue.
        await using var dataSource = NpgsqlDataSource.Create(server.ConnectionString(database));
        var released = await new RollupRefresher(dataSource, Options.Create(new RollupOptions()), NullLogger<RollupRefresher>.Instance)
            .ReleaseEmptiedQueueAsync(CancellationToken.None);
        Console.WriteLine($"emptied queue's index pages given back (as the rollup worker's next tick): {(released ? "yes" : "no")}");
    }

    /// <summary>Compares the stored rollups of <paramref name="sample"/> random series with a recomputation; returns the buckets that differ.</summary>
    public static async Task<long> CompareAsync(PostgresServer server, string database, int sample)
    {
        var mismatches = 0L;
        foreach (var width in Widths)
        {
            var bucketOf = $"date_bin(interval '{width}', observed_at, TIMESTAMPTZ '1970-01-01 00:00:00+00')";
            var sql = $"""
                WITH sampled AS (SELECT id FROM {HistoryStorage.SeriesTable} ORDER BY random() LIMIT {sample}),
                queued AS (SELECT DISTINCT series_id, day FROM {HistoryRollups.QueueTable} WHERE series_id IN (SELECT id FROM sampled)),
                stored AS (SELECT {Columns} FROM {HistoryRollups.RowsFunction}(interval '{width}', array(SELECT id FROM sampled), '-infinity', 'infinity')),
                recomputed AS (
                    SELECT series_id, {bucketOf} AS bucket, count(*)::int AS points, min(observed_at) AS first_at, max(observed_at) AS last_at,
                           (array_agg(price_usd ORDER BY observed_at))[1] AS open, max(price_usd) AS high, min(price_usd) AS low,
                           (array_agg(price_usd ORDER BY observed_at DESC))[1] AS close,
                           (array_agg(market_cap_usd ORDER BY observed_at DESC))[1] AS market_cap_usd,
                           (array_agg(volume_24h_usd ORDER BY observed_at DESC))[1] AS volume_24h_usd
                      FROM {HistoryCompaction.ObservationsFunction}(array(SELECT id FROM sampled), '-infinity', 'infinity')
                     GROUP BY 1, 2),
                compared AS (
                    SELECT (s.series_id IS NULL OR c.series_id IS NULL OR (s.points, s.first_at, s.last_at, s.open, s.high, s.low, s.close,
                            s.market_cap_usd, s.volume_24h_usd) IS DISTINCT FROM (c.points, c.first_at, c.last_at, c.open, c.high, c.low,
                            c.close, c.market_cap_usd, c.volume_24h_usd)) AS differs,
                           EXISTS (SELECT 1 FROM queued q WHERE q.series_id = coalesce(s.series_id, c.series_id)
                                      AND q.day = date_trunc('day', coalesce(s.bucket, c.bucket), 'UTC')) AS pending
                      FROM stored s FULL JOIN recomputed c ON c.series_id = s.series_id AND c.bucket = s.bucket)
                SELECT (SELECT count(*) FROM sampled), count(*) FILTER (WHERE differs AND NOT pending), count(*) FILTER (WHERE pending), count(*)
                  FROM compared
                """;
            await using var connection = new NpgsqlConnection(server.ConnectionString(database));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var (series, differing, pending, buckets) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
            Console.WriteLine($"rollup check {width}: {buckets:N0} buckets of {series:N0} random series against a recomputation from the points: " +
                $"{differing:N0} mismatches (target 0); {pending:N0} buckets of days still queued for the rollup step, not compared");
            mismatches += differing;
        }

        return mismatches;
    }
}
