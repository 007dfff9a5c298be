using System.Globalization;
using Npgsql;

namespace Kasparro.Data;

/// <summary>
/// One monthly table of <see cref="HistoryStorage.PointsTable"/> (or of <see cref="HistoryCompaction.ChunksTable"/>, its
/// <see cref="Parent"/>): its month (from its name), the planner's row estimate
/// (null before the table was first analyzed), its size with indexes and TOAST, and whether it is attached (a table that
/// retention detached and did not get to drop is not) or left half detached (a <c>DETACH ... CONCURRENTLY</c> cut short).
/// </summary>
public sealed record HistoryPartition(string Name, DateTime MonthStart, long? EstimatedRows, long TotalBytes, bool Attached, bool DetachPending)
{
    /// <summary>The partitioned table this is (or was) a partition of: the table its name starts with.</summary>
    public string Parent => Name[..Name.LastIndexOf('_', Name.LastIndexOf('_') - 1)];

    /// <summary>The first instant after the partition's range (its range is [<see cref="MonthStart"/>, this)).</summary>
    public DateTime MonthEnd => MonthStart.AddMonths(1);

    /// <summary>The month as <c>yyyy-MM</c>.</summary>
    public string Month => MonthStart.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}

/// <summary>Reads the monthly partitions of the price history from the catalog (used by retention and by <c>GET /stats/history</c>).</summary>
public static class HistoryPartitions
{
    /// <summary>
    /// The tables named like a partition of <paramref name="parent"/> (<c>price_points_YYYY_MM</c> by default) in its
    /// schema, oldest month first, attached or not. Tables named otherwise are never listed, so nothing here touches what it
    /// did not create.
    /// </summary>
    public static async Task<IReadOnlyList<HistoryPartition>> ListAsync(NpgsqlConnection connection, CancellationToken cancellationToken,
        string parent = HistoryStorage.PointsTable)
    {
        await using var command = new NpgsqlCommand($$"""
            SELECT c.relname, CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END, pg_total_relation_size(c.oid),
                   i.inhrelid IS NOT NULL, coalesce(i.inhdetachpending, false)
              FROM pg_class c
              LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = '{{parent}}'::regclass
             WHERE c.relkind = 'r'
               AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = '{{parent}}'::regclass)
               AND c.relname ~ '^{{parent}}_[0-9]{4}_[0-9]{2}$'
             ORDER BY c.relname
            """, connection);
        var partitions = new List<HistoryPartition>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var name = reader.GetString(0);
            if (MonthOf(name, parent) is { } month)
            {
                partitions.Add(new HistoryPartition(name, month, reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetInt64(2), reader.GetBoolean(3),
                    reader.GetBoolean(4)));
            }
        }

        return partitions;
    }

    /// <summary>The month (UTC) a partition named <c>price_points_YYYY_MM</c> (or of another parent) holds; null for any other name.</summary>
    public static DateTime? MonthOf(string partitionName, string parent = HistoryStorage.PointsTable) =>
        partitionName.StartsWith(parent + "_", StringComparison.Ordinal)
        && DateTime.TryParseExact(partitionName[(parent.Length + 1)..], "yyyy_MM", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var month)
            ? DateTime.SpecifyKind(month, DateTimeKind.Utc)
            : null;
}
