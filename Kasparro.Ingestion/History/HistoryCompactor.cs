using Kasparro.Data;
using Npgsql;

namespace Kasparro.Ingestion.History;

/// <summary>What compacting one month did: the points moved into chunks and the chunk rows written.</summary>
public sealed record CompactedMonth(string Partition, DateTime MonthStart, long Points, long Chunks);

/// <summary>
/// Compacts the price history's cold months (<see cref="HistoryCompaction"/>, docs/performance.md "Cold compaction"):
/// every month of <see cref="HistoryStorage.PointsTable"/> that ended before now minus <c>History:CompactAfter</c> moves,
/// a few hundred series per transaction, into <see cref="HistoryCompaction.ChunksTable"/>. Each transaction deletes the
/// series' points from the month's partition and inserts exactly the deleted rows as chunks, so a crash leaves every
/// point in one table or the other, never both or neither; the month's compaction lock keeps writers out of that month
/// meanwhile (they hold it shared while they write, <see cref="HistoryCompaction.PrepareWriteFunction"/>). The emptied
/// partition is vacuumed and truncated so its key's pages are given back. Points written into the month later are
/// compacted by the next upkeep. Then the hourly rollups of the cold months move into their encoded form, a row per series
/// and month (<see cref="HistoryRollups.HourlyEncoded"/>); the daily ones stay as they are.
/// </summary>
public sealed partial class HistoryCompactor(NpgsqlDataSource dataSource, TimeProvider clock, ILogger logger)
{
    /// <summary>How many series one compaction transaction moves (a month of 10-minute points: ~4,500 points a series).</summary>
    public const int SeriesPerTransaction = 200;

    /// <summary>Compacts every month whose partition ended before now minus <paramref name="compactAfter"/>; returns the months that had points.</summary>
    public async Task<IReadOnlyList<CompactedMonth>> CompactAsync(TimeSpan compactAfter, CancellationToken cancellationToken)
    {
        var horizon = (clock.GetUtcNow() - compactAfter).UtcDateTime;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var months = (await HistoryPartitions.ListAsync(connection, cancellationToken)).Where(p => p.Attached && !p.DetachPending && p.MonthEnd <= horizon);
        var compacted = new List<CompactedMonth>();
        foreach (var partition in months)
        {
            var month = await CompactMonthAsync(connection, partition, cancellationToken);
            if (month.Points > 0)
            {
                LogCompacted(logger, partition.Name, month.Points, month.Chunks);
                compacted.Add(month);
            }

            await ReleaseEmptiedAsync(connection, partition, cancellationToken);
        }

        await EncodeHourlyRollupsAsync(connection, new DateTime(horizon.Year, horizon.Month, 1, 0, 0, 0, DateTimeKind.Utc), cancellationToken);
        return compacted;
    }

    /// <summary>
    /// Moves the <see cref="HistoryRollups.Hourly"/> day rows of every month before <paramref name="before"/> (the cold
    /// months, whether their points were compacted now, earlier, or dropped by retention) into
    /// <see cref="HistoryRollups.HourlyEncoded"/>, a few hundred series per transaction. Once a month is encoded, its day
    /// rows are only those the rollup step wrote again after a late write (it moves the month back first), so this finds
    /// little to do.
    /// </summary>
    private async Task EncodeHourlyRollupsAsync(NpgsqlConnection connection, DateTime before, CancellationToken cancellationToken)
    {
        var months = new List<DateTime>();
        await using (var list = new NpgsqlCommand(
            $"SELECT DISTINCT date_trunc('month', day::timestamp)::date FROM {HistoryRollups.Hourly} WHERE day < $1 ORDER BY 1", connection))
        {
            list.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = before, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date });
            await using var reader = await list.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                months.Add(reader.GetDateTime(0));
            }
        }

        foreach (var monthStart in months)
        {
            LogRollupsEncoded(logger, await EncodeHourlyRollupsOfMonthAsync(connection, monthStart, cancellationToken), monthStart);
        }

        if (months.Count > 0)
        {
            await ReleaseHourlyRollupSpaceAsync(connection, cancellationToken);
        }
    }

    /// <summary>
    /// Gives back the space of the day rows just encoded when it is most of the hourly table (the first upkeep after the
    /// migration EncodedHourlyRollups, or after a long pause): the table is not partitioned, so VACUUM only marks that space
    /// free, and new days would fill a month's worth of it a month, never all of it. VACUUM FULL rewrites the table (its
    /// live rows are the hot days: seconds), holding reads of the hourly rollups meanwhile; under a short lock timeout, so
    /// it never queues behind a long reader (the next upkeep tries again). A month's encoding in the steady state frees
    /// about as much as the table holds, under the 4x asked for here, and leaves the space for the next month's days.
    /// </summary>
    private async Task ReleaseHourlyRollupSpaceAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var bloated = new NpgsqlCommand($"""
            SELECT pg_table_size('{HistoryRollups.Hourly}') > 8388608
               AND pg_table_size('{HistoryRollups.Hourly}') > 4 * (SELECT coalesce(sum(pg_column_size(r.*)), 0) FROM {HistoryRollups.Hourly} r)
            """, connection))
        {
            if (!(bool)(await bloated.ExecuteScalarAsync(cancellationToken))!)
            {
                return;
            }
        }

        try
        {
            // Apart: VACUUM runs outside a transaction, and statements sent together share one.
            await using (var timeout = new NpgsqlCommand("SET lock_timeout = '5s'", connection))
            {
                await timeout.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var vacuum = new NpgsqlCommand($"VACUUM (FULL, ANALYZE) {HistoryRollups.Hourly}", connection) { CommandTimeout = 0 };
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
            LogHourlySpaceReleased(logger);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            LogHourlySpaceDeferred(logger);
        }
        finally
        {
            await using var reset = new NpgsqlCommand("RESET lock_timeout", connection);
            await reset.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static async Task<long> EncodeHourlyRollupsOfMonthAsync(NpgsqlConnection connection, DateTime monthStart, CancellationToken cancellationToken)
    {
        long days = 0;
        var after = int.MinValue;
        while (true)
        {
            // The month's lock, as for its points: the rollup step takes it shared before it moves a month back.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await LockMonthAsync(connection, transaction, monthStart, cancellationToken);
            int? last = null;
            await using (var encode = new NpgsqlCommand(EncodeMonthOfSeries, connection, transaction))
            {
                encode.Parameters.Add(new NpgsqlParameter<int> { TypedValue = after });
                encode.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = monthStart, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date });
                await using var reader = await encode.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                if (!reader.IsDBNull(0))
                {
                    last = reader.GetInt32(0);
                    days += reader.GetInt64(1);
                }
            }

            await transaction.CommitAsync(cancellationToken);
            if (last is not { } series)
            {
                return days;
            }

            after = series;
        }
    }

    /// <summary>
    /// Encodes the hourly day rows of the month starting $2 of the next <see cref="SeriesPerTransaction"/> series after $1;
    /// returns the last series taken (null when none) and the day rows encoded. A series' month already encoded (day rows
    /// beside it come only from a writer outside the rollup step, which moves the month back first) is merged, day rows winning.
    /// </summary>
    private static readonly string EncodeMonthOfSeries = $$"""
        WITH series AS (
            SELECT DISTINCT series_id FROM {{HistoryRollups.Hourly}}
             WHERE series_id > $1 AND day >= $2 AND day < ($2 + interval '1 month')::date
             ORDER BY series_id LIMIT {{SeriesPerTransaction}}
        ), plain AS (
            DELETE FROM {{HistoryRollups.Hourly}} r USING series s
             WHERE r.series_id = s.series_id AND r.day >= $2 AND r.day < ($2 + interval '1 month')::date
            RETURNING r.*
        ), earlier AS (
            DELETE FROM {{HistoryRollups.HourlyEncoded}} e USING series s
             WHERE e.series_id = s.series_id AND e.month = $2
            RETURNING e.*
        ), hours AS (
            SELECT p.series_id, u.* FROM plain p
             CROSS JOIN LATERAL unnest(p.points, p.first_at, p.last_at, p.open, p.high, p.low, p.close, p.market_cap_usd, p.volume_24h_usd)
                   AS u(points, first_at, last_at, open, high, low, close, market_cap_usd, volume_24h_usd)
            UNION ALL
            SELECT e.series_id, h.* FROM earlier e
             CROSS JOIN LATERAL {{HistoryRollups.HoursOf("e")}} h
             WHERE NOT EXISTS (SELECT 1 FROM plain p WHERE p.series_id = e.series_id AND p.day = (h.first_at AT TIME ZONE 'UTC')::date)
        ), months AS (
            -- One sort of the hours, the aggregates reading the sorted subquery in its order (as HistoryRollups.InsertHours).
            SELECT series_id, array_agg(points) AS points, array_agg(first_at) AS first_at, array_agg(last_at) AS last_at,
                   array_agg(open) AS open, array_agg(high) AS high, array_agg(low) AS low, array_agg(close) AS close,
                   array_agg(market_cap_usd) AS market_caps, array_agg(volume_24h_usd) AS volumes
              FROM (SELECT * FROM hours ORDER BY series_id, first_at) AS sorted
             GROUP BY series_id
        ), written AS (
            INSERT INTO {{HistoryRollups.HourlyEncoded}}
            SELECT e.* FROM months m
             CROSS JOIN LATERAL {{HistoryRollups.EncodeFunction}}(m.series_id, $2, m.points, m.first_at, m.last_at, m.open, m.high, m.low,
                                                       m.close, m.market_caps, m.volumes) e
            RETURNING series_id
        )
        SELECT (SELECT max(series_id) FROM series), (SELECT count(*) FROM plain), (SELECT count(*) FROM written)
        """;

    private static async Task<CompactedMonth> CompactMonthAsync(NpgsqlConnection connection, HistoryPartition partition, CancellationToken cancellationToken)
    {
        var table = $"\"{partition.Name}\"";
        await using (var ensure = new NpgsqlCommand($"SELECT {HistoryCompaction.EnsureChunksPartitionFunction}($1)", connection))
        {
            ensure.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = partition.MonthStart });
            await ensure.ExecuteNonQueryAsync(cancellationToken);
        }

        long points = 0, chunks = 0;
        var after = int.MinValue;
        while (true)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await LockMonthAsync(connection, transaction, partition.MonthStart, cancellationToken);
            int[] batch;
            await using (var next = new NpgsqlCommand(
                $"SELECT array(SELECT DISTINCT series_id FROM {table} WHERE series_id > $1 ORDER BY series_id LIMIT {SeriesPerTransaction})",
                connection, transaction))
            {
                next.Parameters.Add(new NpgsqlParameter<int> { TypedValue = after });
                batch = (int[])(await next.ExecuteScalarAsync(cancellationToken))!;
            }

            if (batch.Length == 0)
            {
                await transaction.CommitAsync(cancellationToken);
                return new CompactedMonth(partition.Name, partition.MonthStart, points, chunks);
            }

            // A day both compacted and with rows (a writer outside the lock, e.g. SQL straight into price_points) is
            // merged: its chunk goes back to rows first, and the move below takes them all.
            await using (var merge = new NpgsqlCommand($"""
                WITH thawed AS (
                    DELETE FROM {HistoryCompaction.ChunksTable} c
                     WHERE c.series_id = ANY($1) AND c.day >= $2 AND c.day < $3
                       AND EXISTS (SELECT 1 FROM {table} p WHERE p.series_id = c.series_id
                                      AND p.observed_at >= c.day::timestamp AT TIME ZONE 'UTC'
                                      AND p.observed_at < (c.day + 1)::timestamp AT TIME ZONE 'UTC')
                    RETURNING c.*
                )
                INSERT INTO {table} ({HistoryStorage.PointColumns})
                SELECT u.observed_at, t.series_id, u.is_backfill, u.price_usd, u.market_cap_usd, u.volume_24h_usd
                  FROM thawed t
                 CROSS JOIN LATERAL {HistoryCompaction.PointsOf("t")} u
                """, connection, transaction))
            {
                merge.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = batch });
                merge.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = partition.MonthStart, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date });
                merge.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = partition.MonthEnd, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date });
                await merge.ExecuteNonQueryAsync(cancellationToken);
            }

            // The partition itself, not price_points: its statement triggers (rollup queue, change notifications) stay
            // quiet, as nothing a reader sees changes.
            await using (var move = new NpgsqlCommand($"""
                WITH moved AS (
                    DELETE FROM {table} WHERE series_id = ANY($1) RETURNING *
                ), days AS (
                    SELECT series_id, (observed_at AT TIME ZONE 'UTC')::date AS day,
                           array_agg(observed_at ORDER BY observed_at) AS times, array_agg(is_backfill ORDER BY observed_at) AS is_backfill,
                           array_agg(price_usd ORDER BY observed_at) AS prices, array_agg(market_cap_usd ORDER BY observed_at) AS market_caps,
                           array_agg(volume_24h_usd ORDER BY observed_at) AS volumes
                      FROM moved
                     GROUP BY 1, 2
                ), written AS (
                    INSERT INTO {HistoryCompaction.ChunksTable}
                    SELECT e.* FROM days d
                     CROSS JOIN LATERAL {HistoryCompaction.EncodeFunction}(d.series_id, d.day, d.times, d.is_backfill, d.prices, d.market_caps, d.volumes) e
                    RETURNING points
                )
                SELECT coalesce(sum(points), 0)::bigint, count(*)::bigint FROM written
                """, connection, transaction))
            {
                move.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = batch });
                await using var reader = await move.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                points += reader.GetInt64(0);
                chunks += reader.GetInt64(1);
            }

            await transaction.CommitAsync(cancellationToken);
            after = batch[^1];
        }
    }

    /// <summary>
    /// Gives the emptied partition's space back: VACUUM clears the dead rows (so the check below reads nothing), and
    /// TRUNCATE (under a short lock timeout, so reads wait at most that long; retried by the next upkeep) gives back the heap
    /// and the key's pages, which VACUUM keeps. Only when it holds no row, and not again once it is down to the key's
    /// metapage.
    /// </summary>
    private async Task ReleaseEmptiedAsync(NpgsqlConnection connection, HistoryPartition partition, CancellationToken cancellationToken)
    {
        var table = $"\"{partition.Name}\"";
        await using (var vacuum = new NpgsqlCommand($"VACUUM {table}", connection))
        {
            vacuum.CommandTimeout = 0;
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using (var timeout = new NpgsqlCommand("SET LOCAL lock_timeout = '5s'", connection, transaction))
            {
                await timeout.ExecuteNonQueryAsync(cancellationToken);
            }

            await LockMonthAsync(connection, transaction, partition.MonthStart, cancellationToken);
            await using var truncate = new NpgsqlCommand(
                HistoryStorage.TruncateWhenEmpty(table, $"pg_relation_size('{table}') > 0 OR pg_indexes_size('{table}') > 8192"), connection, transaction);
            await truncate.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            LogTruncateDeferred(logger, partition.Name);
        }
    }

    private static async Task LockMonthAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTime monthStart, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1, $2)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = HistoryCompaction.MonthLockClass });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = HistoryCompaction.MonthLockKey(monthStart) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "History compaction moved {Points} points of {Partition} into {Chunks} per-series, per-day chunks")]
    private static partial void LogCompacted(ILogger logger, string partition, long points, long chunks);

    [LoggerMessage(Level = LogLevel.Information, Message = "History compaction encoded {Days} hourly rollup day rows of the month starting {MonthStart:yyyy-MM}")]
    private static partial void LogRollupsEncoded(ILogger logger, long days, DateTime monthStart);

    [LoggerMessage(Level = LogLevel.Information, Message = "History compaction rewrote the hourly rollup day rows (VACUUM FULL): most of the table was the space of encoded months")]
    private static partial void LogHourlySpaceReleased(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "History compaction left the hourly rollups' free space to the next upkeep: readers held the table past the lock timeout")]
    private static partial void LogHourlySpaceDeferred(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "History compaction left {Partition} to be truncated by the next upkeep: readers held it past the lock timeout")]
    private static partial void LogTruncateDeferred(ILogger logger, string partition);
}
