using System.Diagnostics;
using Kasparro.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Ingestion.Rollups;

/// <summary>
/// The rollup step (<see cref="HistoryRollups"/>, docs/ingestion.md "Rollups"): in one transaction, takes up to
/// <see cref="RollupOptions.SeriesDaysPerStep"/> queued entries, oldest first, claims their (series, UTC day) pairs with
/// every entry queued for them, removes the hourly day rows and daily rollup rows of those series-days, inserts the
/// hourly day rows again from the raw points with <see cref="HistoryRollups.BucketsFunction"/> (grouped by day) and
/// derives the daily ones from those day rows (a few set-based statements, whatever the number of entries). Idempotent: a day's rollups are always
/// recomputed whole, so a step repeated, or one that died before its commit (its entries stay queued), gives the same
/// rows. Entries are taken with <c>FOR UPDATE SKIP LOCKED</c>, so several replicas share the queue. No point is left
/// out: a write's entry commits with its points, so an entry a step sees belongs to points its recomputation (a later
/// statement) sees too, and the entry of a write still uncommitted is invisible to the step and stays for a later one.
/// </summary>
public sealed partial class RollupRefresher(NpgsqlDataSource dataSource, IOptions<RollupOptions> options, ILogger<RollupRefresher> logger)
{
    // The queue holds an entry per write (not unique on series and day), so two steps can hold entries of the same
    // series-day: a transaction-scoped advisory lock on (series, day) lets one of them recompute it, and the other
    // leaves its entries for a later step (two recomputing one day would collide on the rollup key). The int4 pair
    // form is a lock space apart from the services' bigint advisory locks. A claimed day takes all its visible entries,
    // not only those among the oldest: a load queues a day once per batch that touches it, and leaving the later entries
    // made the next step recompute the same day again (twice the work, docs/performance.md "History at scale"). An entry
    // another step holds is skipped and stays queued: that step cannot claim the day, so it leaves the entry for later.
    private const string Take = $"""
        WITH candidates AS MATERIALIZED (
                SELECT id, series_id, day FROM {HistoryRollups.QueueTable} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED),
             claimed AS MATERIALIZED (
                SELECT series_id, day FROM (SELECT DISTINCT series_id, day FROM candidates) AS pairs
                 WHERE pg_try_advisory_xact_lock(series_id, (extract(epoch FROM day) / 86400)::integer)),
             taken AS (
                DELETE FROM {HistoryRollups.QueueTable}
                 WHERE id IN (SELECT q.id FROM {HistoryRollups.QueueTable} q JOIN claimed USING (series_id, day) FOR UPDATE OF q SKIP LOCKED))
        SELECT series_id, day, (SELECT count(*) FROM candidates)::integer FROM claimed
        """;

    // Per step, not server-wide: over two dozen partitions the planner's estimate for the recomputation passes
    // jit_above_cost, and compiling it took ~1 s a statement against ~0.1 s of work: the seeded load's 40 s of PostgreSQL
    // (docs/performance.md "History at scale"). The sorts of a step's points also spilled at the default 4 MB.
    private static readonly string[] StepSettings = ["SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'"];

    private const string Entries = "unnest($1::integer[], $2::timestamptz[]) AS e(series_id, day)";

    private const string Columns = "series_id, bucket, points, first_at, last_at, open, high, low, close, market_cap_usd, volume_24h_usd";

    // '24 hours', not '1 day': a day added to a timestamptz follows the session's time zone across daylight saving.
    private const string DayEnd = "interval '24 hours'";

    /// <summary>The hourly rollup rows of the taken series-days, from the raw points (grouped by day: one call per day).</summary>
    private const string QueuedHours = $"""
        SELECT b.*
          FROM (SELECT day, array_agg(series_id) AS series FROM {Entries} GROUP BY day) AS queued
         CROSS JOIN LATERAL {HistoryRollups.BucketsFunction}(interval '1 hour', queued.series, queued.day, queued.day + {DayEnd}) AS b
        """;

    private const string QueueDepth = $"SELECT count(*) FROM {HistoryRollups.QueueTable}";

    /// <summary>The statements that recompute the taken series-days' rollups (parameters: series ids, days).</summary>
    private static readonly string[] Recompute =
    [
        // A day of a cold month is in the month's encoded row: the month goes back to day rows first (the next compaction
        // encodes it again), under the month's lock held shared, so the compaction never encodes a month while it moves.
        $"""
        SELECT pg_advisory_xact_lock_shared({HistoryCompaction.MonthLockClass}, month_key)
          FROM (SELECT DISTINCT (extract(year FROM e.day AT TIME ZONE 'UTC') * 12 + extract(month FROM e.day AT TIME ZONE 'UTC') - 1)::integer AS month_key
                  FROM {Entries}) AS months
         ORDER BY month_key
        """,
        HistoryRollups.ThawMonths($"SELECT DISTINCT e.series_id, date_trunc('month', e.day AT TIME ZONE 'UTC')::date AS month FROM {Entries}"),
        $"""
        DELETE FROM {HistoryRollups.Hourly} r USING {Entries}
         WHERE r.series_id = e.series_id AND r.day = (e.day AT TIME ZONE 'UTC')::date
        """,
        $"""
        DELETE FROM {HistoryRollups.Daily} r USING {Entries}
         WHERE r.series_id = e.series_id AND r.bucket >= e.day AND r.bucket < e.day + {DayEnd}
        """,
        // The days from the day rows of hours this statement writes, not from the points again (half the step's reading
        // and sorting) nor from the hourly table (a second read of the rows just written): the same rows, as the hours
        // partition the day. Open of the first hour; close, market cap and volume of the last (each hour's are its last
        // point's); high and low over the hours' (max and min of numerics return one of their inputs, so the digits stay
        // a point's); points summed; first and last time of the first and last hour.
        $"""
        WITH days AS (
            {HistoryRollups.InsertHours(QueuedHours)}
            RETURNING series_id, day, cardinality(points) AS hours, {HistoryRollups.HourlyArrays})
        INSERT INTO {HistoryRollups.Daily} ({Columns})
        SELECT series_id, day::timestamp AT TIME ZONE 'UTC', (SELECT sum(n) FROM unnest(points) AS n)::integer, first_at[1], last_at[hours],
               open[1], (SELECT max(v) FROM unnest(high) AS v), (SELECT min(v) FROM unnest(low) AS v), close[hours],
               market_cap_usd[hours], volume_24h_usd[hours]
          FROM days
        """,
    ];

    /// <summary>
    /// Runs steps until the queue holds nothing this process can take (entries of uncommitted writes, invisible until
    /// they commit, wait for a later step); returns how many series-days were recomputed.
    /// </summary>
    public async Task<int> RefreshQueuedAsync(CancellationToken cancellationToken)
    {
        var limit = options.Value.SeriesDaysPerStep;
        var clock = Stopwatch.StartNew();
        int refreshed = 0, steps = 0;
        RollupStep step;
        do
        {
            step = await RefreshStepAsync(limit, cancellationToken);
            refreshed += step.SeriesDays;
            steps++;
        }
        // A full step may have left more behind; one that recomputed nothing met only entries another step holds.
        while (step.Entries == limit && step.SeriesDays > 0);

        if (refreshed > 0)
        {
            LogRefreshed(logger, refreshed, steps, clock.ElapsedMilliseconds);
        }

        return refreshed;
    }

    /// <summary>
    /// One step: takes up to <paramref name="limit"/> queue entries, oldest first, and recomputes their series-days, in
    /// one transaction; says how many series-days it recomputed and how many entries it looked at.
    /// </summary>
    public async Task<RollupStep> RefreshStepAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var series = new List<int>(limit);
        var days = new List<DateTimeOffset>(limit);
        var candidates = 0;
        await using (var take = new NpgsqlCommand(Take, connection, transaction))
        {
            take.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
            await using var reader = await take.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                series.Add(reader.GetInt32(0));
                days.Add(reader.GetFieldValue<DateTimeOffset>(1));
                candidates = reader.GetInt32(2);
            }
        }

        if (series.Count == 0)
        {
            return new RollupStep(0, candidates);
        }

        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            var seriesIds = series.ToArray();
            var dayStarts = days.ToArray();
            foreach (var setting in StepSettings)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(setting));
            }

            foreach (var sql in Recompute)
            {
                var command = new NpgsqlBatchCommand(sql);
                command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = seriesIds });
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = dayStarts });
                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        EtlTelemetry.RollupSeriesDays.Add(series.Count);
        return new RollupStep(series.Count, candidates);
    }

    /// <summary>How many (series, day) entries wait in the queue; recorded as <see cref="EtlTelemetry.RollupQueueDepth"/>.</summary>
    public async Task<long> QueueDepthAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(QueueDepth);
        var depth = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        EtlTelemetry.RollupQueueDepth.Record(depth);
        return depth;
    }

    /// <summary>
    /// Gives back the pages of an empty queue whose index grew past <see cref="QueueIndexBytesToRelease"/> (a large load
    /// queues an entry per batch and day; VACUUM keeps the emptied index pages, 1 byte an observation after the 10M-row
    /// seed): TRUNCATE, under the queue's exclusive lock taken with a short timeout so writers wait at most that long (when
    /// busy the next tick tries again), and only when the queue is still empty under it. Says whether it truncated.
    /// </summary>
    public async Task<bool> ReleaseEmptiedQueueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var check = new NpgsqlCommand(QueueBloated, connection))
        {
            if (!(bool)(await check.ExecuteScalarAsync(cancellationToken))!)
            {
                return false;
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using var truncate = new NpgsqlCommand($"SET LOCAL lock_timeout = '1s'; {HistoryStorage.TruncateWhenEmpty(HistoryRollups.QueueTable)}",
                connection, transaction);
            await truncate.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            return false;
        }

        await using var after = new NpgsqlCommand(QueueBloated, connection);
        return !(bool)(await after.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The queue index size from which an empty queue is truncated (<see cref="ReleaseEmptiedQueueAsync"/>).</summary>
    public const long QueueIndexBytesToRelease = 1024 * 1024;

    private static readonly string QueueBloated =
        $"SELECT pg_indexes_size('{HistoryRollups.QueueTable}') > {QueueIndexBytesToRelease} AND NOT EXISTS (SELECT 1 FROM {HistoryRollups.QueueTable})";

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollups refreshed for {SeriesDays} series-days in {Steps} step(s), {ElapsedMs} ms")]
    private static partial void LogRefreshed(ILogger logger, int seriesDays, int steps, long elapsedMs);
}

/// <summary>What one rollup step did: the series-days it recomputed and the queue entries it looked at (at most the limit).</summary>
public readonly record struct RollupStep(int SeriesDays, int Entries);
