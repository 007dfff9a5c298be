using Kasparro.Contracts;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Api.Stats;

/// <summary>
/// Reads <see cref="HistoryStats"/>: the partitions from the catalog, the oldest and newest observation, the configured
/// <c>History:RawRetention</c> (the same section the ingestion service applies) and the last drop from <c>audit_events</c>.
/// </summary>
public sealed class HistoryReport(NpgsqlDataSource dataSource, IOptions<HistoryOptions> options)
{
    public async Task<HistoryStats> ReadAsync(KasparroDb db, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var partitions = (await HistoryPartitions.ListAsync(connection, cancellationToken)).Where(p => p.Attached && !p.DetachPending).ToList();
        var chunks = await HistoryPartitions.ListAsync(connection, cancellationToken, HistoryCompaction.ChunksTable);
        var (oldestCompacted, newestCompacted) = await CompactedRangeAsync(connection, cancellationToken);
        var oldest = Earlier(await FirstObservationAsync(connection, partitions, "min", cancellationToken), oldestCompacted);
        var newest = Later(await FirstObservationAsync(connection, Enumerable.Reverse(partitions), "max", cancellationToken), newestCompacted);

        var lastDropAt = await db.AuditEvents.AsNoTracking().Where(e => e.Action == AuditActions.HistoryPartitionDrop).MaxAsync(e => (DateTimeOffset?)e.At, cancellationToken);
        RetentionDrop? lastDrop = null;
        if (lastDropAt is { } at)
        {
            var dropped = await db.AuditEvents.AsNoTracking().Where(e => e.Action == AuditActions.HistoryPartitionDrop && e.At == at)
                .Select(e => e.Target!).ToListAsync(cancellationToken);
            var months = dropped.Select(name => HistoryPartitions.MonthOf(name) ?? HistoryPartitions.MonthOf(name, HistoryCompaction.ChunksTable)).OfType<DateTime>().Order().Select(m => m.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture));
            lastDrop = new RetentionDrop(at.UtcDateTime, months.ToList());
        }

        return new HistoryStats(options.Value.RawRetentionPeriod?.TotalSeconds, oldest?.UtcDateTime, newest?.UtcDateTime, partitions.Count,
            partitions.Sum(p => p.TotalBytes) + chunks.Where(p => p.Attached).Sum(p => p.TotalBytes), lastDrop);
    }

    /// <summary>The first point of the earliest compacted day and the last of the latest (probes of the chunks' day index).</summary>
    private static async Task<(DateTimeOffset? Oldest, DateTimeOffset? Newest)> CompactedRangeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT (SELECT min(u.observed_at) FROM {HistoryCompaction.ChunksTable} c CROSS JOIN LATERAL {HistoryCompaction.PointsOf("c")} u
                     WHERE c.day = (SELECT min(day) FROM {HistoryCompaction.ChunksTable})),
                   (SELECT max(u.observed_at) FROM {HistoryCompaction.ChunksTable} c CROSS JOIN LATERAL {HistoryCompaction.PointsOf("c")} u
                     WHERE c.day = (SELECT max(day) FROM {HistoryCompaction.ChunksTable}))
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }

    private static DateTimeOffset? Earlier(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    /// <summary>
    /// The min or max observation time of the first partition (in the given order) that holds any: one index probe per
    /// series of the key (series id, time), so a month of millions of rows is never scanned.
    /// </summary>
    private static async Task<DateTimeOffset?> FirstObservationAsync(NpgsqlConnection connection, IEnumerable<HistoryPartition> partitions, string aggregate,
        CancellationToken cancellationToken)
    {
        foreach (var partition in partitions)
        {
            await using var command = new NpgsqlCommand($"""
                SELECT {aggregate}(t) FROM {HistoryStorage.SeriesTable} s
                 CROSS JOIN LATERAL (SELECT {aggregate}(observed_at) AS t FROM "{partition.Name}" WHERE series_id = s.id) AS p
                """, connection);
            if (await command.ExecuteScalarAsync(cancellationToken) is DateTime found)
            {
                return new DateTimeOffset(DateTime.SpecifyKind(found, DateTimeKind.Utc));
            }
        }

        return null;
    }
}
