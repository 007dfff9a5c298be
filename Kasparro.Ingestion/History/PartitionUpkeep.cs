using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Ingestion.History;

/// <summary>
/// What one upkeep did: how many partitions it created ahead, which months it compacted, which closed months' keys it
/// rebuilt packed and which partitions it dropped.
/// </summary>
public sealed record PartitionUpkeepOutcome(int Created, IReadOnlyList<CompactedMonth> Compacted, IReadOnlyList<RepackedKey> Repacked,
    IReadOnlyList<HistoryPartition> Dropped);

/// <summary>
/// Keeps the monthly partitions of the price history (docs/operations.md "History retention"): creates the current
/// month's and the next <c>History:PartitionsAhead</c>; with <c>History:CompactAfter</c> set, compacts the months that ended
/// before now minus it (<see cref="HistoryCompactor"/>); rebuilds the loose keys of the months that ended and are still rows
/// (<see cref="ClosedMonthKeys"/>); and with <c>History:RawRetention</c> set, detaches and drops every
/// partition of the points and of the compacted days whose whole month ended before now minus the retention. A partition that holds any instant inside the window
/// is kept whole, so no point inside the window is ever lost; rollup tables are not partitions and never touched, and a
/// month whose days still wait in the rollup queue is kept until the rollup step has computed them from its points.
/// Each drop is logged and recorded in <c>audit_events</c> (action <see cref="AuditActions.HistoryPartitionDrop"/>).
/// Safe from several replicas at once: creating is idempotent, and retention holds a session advisory lock, so replicas
/// drop one after the other and a later one finds nothing left to drop.
/// </summary>
public sealed partial class PartitionUpkeep(NpgsqlDataSource dataSource, IOptions<HistoryOptions> options, TimeProvider clock, ILogger<PartitionUpkeep> logger)
{
    /// <summary>The actor of the audit events retention writes.</summary>
    public const string Actor = "retention";

    private readonly HistoryCompactor compactor = new(dataSource, clock, logger);

    private readonly ClosedMonthKeys closedMonthKeys = new(dataSource, clock, logger);

    private const string RetentionLock = "SELECT pg_advisory_lock(hashtextextended('kasparro-history-retention', 0))";

    /// <summary>
    /// Creates the partitions ahead, compacts when configured, rebuilds the closed months' loose keys, then applies the
    /// retention when configured.
    /// </summary>
    public async Task<PartitionUpkeepOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var created = await CreateAheadAsync(cancellationToken);
        var compacted = options.Value.CompactAfterPeriod is { } age ? await compactor.CompactAsync(age, cancellationToken) : [];
        // After the compaction: a month it just emptied has nothing left to rebuild.
        var repacked = await closedMonthKeys.RepackAsync(cancellationToken);
        var dropped = options.Value.RawRetentionPeriod is { } retention ? await ApplyRetentionAsync(retention, cancellationToken) : [];
        return new PartitionUpkeepOutcome(created, compacted, repacked, dropped);
    }

    /// <summary>Creates the current month's partition and the next <see cref="HistoryOptions.PartitionsAhead"/> that are missing.</summary>
    public async Task<int> CreateAheadAsync(CancellationToken cancellationToken)
    {
        var current = new DateTimeOffset(HistoryStorage.MonthOf(clock.GetUtcNow()));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var created = await SeriesStore.EnsurePartitionsAsync(connection, null,
            Enumerable.Range(0, options.Value.PartitionsAhead + 1).Select(current.AddMonths), cancellationToken);
        LogCreatedAhead(logger, created, options.Value.PartitionsAhead);
        return created;
    }

    /// <summary>Detaches and drops every partition whose month ended before now minus <paramref name="retention"/>.</summary>
    public async Task<IReadOnlyList<HistoryPartition>> ApplyRetentionAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var locking = new NpgsqlCommand(RetentionLock, connection))
        {
            // Waits for a replica that is dropping now; a session lock because DETACH CONCURRENTLY cannot run in a transaction.
            await locking.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var now = clock.GetUtcNow();
            var windowStart = now - retention;
            // Listed after the lock: a replica that dropped before us leaves nothing of its work to do again.
            var outside = (await HistoryPartitions.ListAsync(connection, cancellationToken))
                .Concat(await HistoryPartitions.ListAsync(connection, cancellationToken, HistoryCompaction.ChunksTable))
                .Where(p => p.MonthEnd <= windowStart.UtcDateTime).ToList();
            var dropped = new List<HistoryPartition>();
            foreach (var partition in outside)
            {
                if (await RollupsPendingAsync(connection, partition, cancellationToken))
                {
                    LogKeptForRollups(logger, partition.Name);
                    continue;
                }

                await DropAsync(connection, partition, now, retention, cancellationToken);
                LogDropped(logger, partition.Name, partition.MonthStart, partition.MonthEnd, partition.EstimatedRows, partition.TotalBytes, windowStart);
                dropped.Add(partition);
            }

            return dropped;
        }
        finally
        {
            await using var unlocking = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
            await unlocking.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Whether days of the partition's month still wait in the rollup queue: their rollups are computed from the raw
    /// points, so the month is kept until the rollup step has done them (the next upkeep drops it).
    /// </summary>
    private static async Task<bool> RollupsPendingAsync(NpgsqlConnection connection, HistoryPartition partition, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT FROM {HistoryRollups.QueueTable} WHERE day >= $1 AND day < $2)", connection);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = partition.MonthStart });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = partition.MonthEnd });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task DropAsync(NpgsqlConnection connection, HistoryPartition partition, DateTimeOffset now, TimeSpan retention,
        CancellationToken cancellationToken)
    {
        var table = $"\"{partition.Name}\"";
        // CONCURRENTLY: the parent keeps serving reads and writes (it takes SHARE UPDATE EXCLUSIVE, not ACCESS EXCLUSIVE);
        // it runs in its own two transactions, so one cut short is finished with FINALIZE on the next run.
        if (partition.Attached)
        {
            var detach = partition.DetachPending ? "FINALIZE" : "CONCURRENTLY";
            await using var command = new NpgsqlCommand($"ALTER TABLE {partition.Parent} DETACH PARTITION {table} {detach}", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        // The drop and its record commit together: every dropped month is listed in audit_events, nothing listed is kept.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var drop = new NpgsqlCommand($"DROP TABLE {table}", connection, transaction))
        {
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var record = new NpgsqlCommand("""
            INSERT INTO audit_events (at, actor, action, target, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6)
            """, connection, transaction))
        {
            record.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Actor });
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = AuditActions.HistoryPartitionDrop });
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = partition.Name });
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = AuditOutcomes.Success });
            record.Parameters.Add(new NpgsqlParameter<string>
            {
                TypedValue = $"range=[{partition.MonthStart:yyyy-MM-dd}, {partition.MonthEnd:yyyy-MM-dd}) estimated_rows={partition.EstimatedRows?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"} "
                    + $"bytes={partition.TotalBytes} raw_retention={retention}",
            });
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "History partitions: {Created} created for the current month and the {Ahead} ahead")]
    private static partial void LogCreatedAhead(ILogger logger, int created, int ahead);

    [LoggerMessage(Level = LogLevel.Information, Message = "History retention keeps partition {Partition} for now: days of it wait in the rollup queue")]
    private static partial void LogKeptForRollups(ILogger logger, string partition);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "History retention dropped partition {Partition} ([{From:yyyy-MM-dd}, {To:yyyy-MM-dd}), about {EstimatedRows} rows, {Bytes} bytes): it ends before the window starting {WindowStart:O}")]
    private static partial void LogDropped(ILogger logger, string partition, DateTime from, DateTime to, long? estimatedRows, long bytes, DateTimeOffset windowStart);
}
