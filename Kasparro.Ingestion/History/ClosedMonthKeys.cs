using System.Diagnostics;
using Kasparro.Data;
using Npgsql;

namespace Kasparro.Ingestion.History;

/// <summary>What rebuilding one closed month's key gave back: its size before and after, and how long it took.</summary>
public sealed record RepackedKey(string Partition, string Index, long BytesBefore, long BytesAfter, TimeSpan Took);

/// <summary>
/// Rebuilds, packed, the key of each month of raw points that has ended (part of the history upkeep; docs/performance.md
/// "Closed months' keys"). Every 10-minute run writes each series' next point, so each insert lands inside its series'
/// stretch of the key, full pages split in halves, and a month's key ends about two thirds full: 41 bytes an entry
/// measured at 100M observations, against 28 for a packed one. Once its month has ended a partition takes almost no
/// writes (late points, backfills), so its key is rebuilt once with <c>fillfactor = 100</c> by
/// <c>REINDEX INDEX CONCURRENTLY</c>: reads and writes go on meanwhile. A key within a fifth (or 1 MB) of its packed size
/// is left alone, which keeps the step idempotent and cheap to repeat; a month that later takes many backfilled points
/// is rebuilt again once it has grown past that. One replica at a time (a session advisory lock; the others skip).
/// </summary>
public sealed partial class ClosedMonthKeys(NpgsqlDataSource dataSource, TimeProvider clock, ILogger logger)
{
    /// <summary>How long after its month ends a partition counts as closed: the month's last runs and their retries are over.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromDays(1);

    /// <summary>
    /// Bytes of a packed key entry: the index tuple (8-byte header, the integer series id padded to 8, the 8-byte time)
    /// and its 4-byte line pointer.
    /// </summary>
    private const int PackedEntryBytes = 28;

    /// <summary>
    /// What a leaf page of the key holds for entries: 8 KB less the page header (24), the B-tree's special space (16) and
    /// the high key every leaf but the last keeps (an entry).
    /// </summary>
    private const int UsablePageBytes = 8192 - 24 - 16 - PackedEntryBytes;

    private const string Lock = "hashtextextended('kasparro-history-key-repack', 0)";

    /// <summary>Rebuilds the loose keys of the ended months; returns what each rebuild gave back (none when another replica is at it).</summary>
    public async Task<IReadOnlyList<RepackedKey>> RepackAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var locking = new NpgsqlCommand($"SELECT pg_try_advisory_lock({Lock})", connection))
        {
            // A session lock: REINDEX CONCURRENTLY cannot run inside a transaction.
            if (!(bool)(await locking.ExecuteScalarAsync(cancellationToken))!)
            {
                return [];
            }
        }

        try
        {
            await DropLeftoversAsync(connection, cancellationToken);
            var closedBefore = (clock.GetUtcNow() - Grace).UtcDateTime;
            var repacked = new List<RepackedKey>();
            foreach (var key in await ListKeysAsync(connection, cancellationToken))
            {
                if (HistoryPartitions.MonthOf(key.Partition) is not { } month || month.AddMonths(1) > closedBefore || !IsLoose(key.Entries, key.Bytes))
                {
                    continue;
                }

                var clockStarted = Stopwatch.StartNew();
                await ExecuteAsync(connection, $"ALTER INDEX {key.Index} SET (fillfactor = 100)", cancellationToken);
                await ExecuteAsync(connection, $"REINDEX INDEX CONCURRENTLY {key.Index}", cancellationToken);
                var after = await IndexBytesAsync(connection, key.Index, cancellationToken);
                var done = new RepackedKey(key.Partition, key.Index, key.Bytes, after, clockStarted.Elapsed);
                LogRepacked(logger, done.Partition, done.Index, done.BytesBefore, done.BytesAfter, key.Entries, done.Took.TotalSeconds);
                repacked.Add(done);
            }

            return repacked;
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({Lock})", CancellationToken.None);
        }
    }

    /// <summary>Whether a key of about <paramref name="entries"/> entries taking <paramref name="bytes"/> is worth rebuilding: a fifth and 1 MB over its packed size.</summary>
    public static bool IsLoose(long entries, long bytes)
    {
        var packed = PackedBytes(entries);
        return bytes > packed * 1.2 && bytes - packed > 1024 * 1024;
    }

    /// <summary>A packed key's size: its leaf pages, about 1 % of them again as inner pages, and the metapage.</summary>
    public static long PackedBytes(long entries)
    {
        var leaves = (entries * PackedEntryBytes + UsablePageBytes - 1) / UsablePageBytes;
        return (1 + leaves + (leaves + 99) / 100) * 8192L;
    }

    /// <summary>The key of every partition of the points that holds rows (by the planner's estimate), with its size.</summary>
    private static async Task<List<(string Partition, string Index, long Entries, long Bytes)>> ListKeysAsync(NpgsqlConnection connection,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT c.relname, quote_ident(x.relname), c.reltuples::bigint, pg_relation_size(x.oid)
              FROM pg_partition_tree('{HistoryStorage.PointsTable}') t
              JOIN pg_class c ON c.oid = t.relid
              JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary AND i.indisvalid
              JOIN pg_class x ON x.oid = i.indexrelid
             WHERE t.isleaf AND c.reltuples > 0
             ORDER BY c.relname
            """, connection);
        var keys = new List<(string, string, long, long)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
        }

        return keys;
    }

    /// <summary>
    /// Drops what a rebuild cut short (a crash, a cancelled upkeep) left behind: REINDEX CONCURRENTLY builds the new key
    /// as an invalid <c>..._ccnew</c> index beside the old one, and leaves it if it stops half way. The old key is intact.
    /// </summary>
    private static async Task DropLeftoversAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var leftovers = new List<string>();
        await using (var command = new NpgsqlCommand($"""
            SELECT quote_ident(x.relname)
              FROM pg_partition_tree('{HistoryStorage.PointsTable}') t
              JOIN pg_index i ON i.indrelid = t.relid AND NOT i.indisvalid
              JOIN pg_class x ON x.oid = i.indexrelid
             WHERE t.isleaf AND x.relname ~ '_ccnew[0-9]*$'
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                leftovers.Add(reader.GetString(0));
            }
        }

        foreach (var index in leftovers)
        {
            await ExecuteAsync(connection, $"DROP INDEX CONCURRENTLY IF EXISTS {index}", cancellationToken);
        }
    }

    private static async Task<long> IndexBytesAsync(NpgsqlConnection connection, string index, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_relation_size('{index}'::regclass)", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "History key of the closed month {Partition} rebuilt packed ({Index}): {BytesBefore} bytes to {BytesAfter} for about {Entries} points in {Seconds:F1} s")]
    private static partial void LogRepacked(ILogger logger, string partition, string index, long bytesBefore, long bytesAfter, long entries, double seconds);
}
