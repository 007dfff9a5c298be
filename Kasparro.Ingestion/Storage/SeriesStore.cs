using Kasparro.Data;
using Npgsql;

namespace Kasparro.Ingestion.Storage;

/// <summary>
/// The price history's series (<see cref="HistoryStorage"/>): the compact id of each (source, source id) a batch writes,
/// creating the series that are new and moving a series to the asset the resolver now gives it, and the preparation of a
/// write (the monthly partitions the batch's times need, compacted days back to rows). A few statements per batch, never
/// one per row.
/// </summary>
public static class SeriesStore
{
    private const string Find = "SELECT source_id, id, asset_id FROM price_series WHERE source = @source AND source_id = ANY(@ids)";

    private const string Create = """
        INSERT INTO price_series (source, source_id, asset_id)
        SELECT @source, source_id, asset_id FROM unnest(@ids, @assets) AS n(source_id, asset_id)
        ON CONFLICT (source, source_id) DO NOTHING
        RETURNING source_id, id, asset_id
        """;

    private const string Move = """
        UPDATE price_series s SET asset_id = m.asset_id
          FROM unnest(@ids, @assets) AS m(source_id, asset_id)
         WHERE s.source = @source AND s.source_id = m.source_id
        """;

    /// <summary>The series id of each source id in <paramref name="assetOf"/> (source id to the asset it resolves to).</summary>
    public static async Task<Dictionary<string, int>> IdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string source,
        IReadOnlyDictionary<string, string> assetOf, CancellationToken cancellationToken)
    {
        var ids = new Dictionary<string, int>(assetOf.Count, StringComparer.Ordinal);
        var moved = new List<string>();
        var wanted = assetOf.Keys.ToArray();
        // A series another writer creates between our look and our insert is not returned by the insert (its row was
        // not ours) and not seen by that statement's snapshot: the second look, a new statement, sees it committed.
        for (var attempt = 0; attempt < 2 && wanted.Length > 0; attempt++)
        {
            await ReadAsync(Find, wanted, withAssets: false);
            var missing = wanted.Where(id => !ids.ContainsKey(id)).ToArray();
            if (missing.Length > 0)
            {
                await ReadAsync(Create, missing, withAssets: true);
            }

            wanted = missing.Where(id => !ids.ContainsKey(id)).ToArray();
        }

        if (wanted.Length > 0)
        {
            throw new InvalidOperationException($"The price history has no series for {wanted.Length} source ids of {source} after creating them.");
        }

        if (moved.Count > 0)
        {
            await using var move = new NpgsqlCommand(Move, connection, transaction);
            move.Parameters.AddWithValue("source", source);
            move.Parameters.AddWithValue("ids", moved.ToArray());
            move.Parameters.AddWithValue("assets", moved.Select(id => assetOf[id]).ToArray());
            await move.ExecuteNonQueryAsync(cancellationToken);
        }

        return ids;

        async Task ReadAsync(string sql, string[] sourceIds, bool withAssets)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.AddWithValue("source", source);
            command.Parameters.AddWithValue("ids", sourceIds);
            if (withAssets)
            {
                command.Parameters.AddWithValue("assets", sourceIds.Select(id => assetOf[id]).ToArray());
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var sourceId = reader.GetString(0);
                ids[sourceId] = reader.GetInt32(1);
                if (!string.Equals(reader.IsDBNull(2) ? null : reader.GetString(2), assetOf[sourceId], StringComparison.Ordinal))
                {
                    moved.Add(sourceId);
                }
            }
        }
    }

    /// <summary>
    /// Creates the monthly partitions that <paramref name="times"/> fall in and that do not exist yet, in
    /// <paramref name="transaction"/> or (null) in the statement's own; returns how many it created.
    /// </summary>
    public static async Task<int> EnsurePartitionsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IEnumerable<DateTimeOffset> times,
        CancellationToken cancellationToken)
    {
        var months = times.Select(HistoryStorage.MonthOf).Distinct().Select(m => new DateTimeOffset(m)).ToArray();
        if (months.Length == 0)
        {
            return 0;
        }

        await using var command = new NpgsqlCommand($"SELECT {HistoryStorage.EnsurePartitionsFunction}(@months)", connection, transaction);
        command.Parameters.AddWithValue("months", months);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Prepares a write of points (<see cref="HistoryCompaction.PrepareWriteFunction"/>) in <paramref name="transaction"/>:
    /// the partitions of the points' months, those months' compaction locks (held until the transaction ends) and the
    /// compacted days the points fall in moved back to rows, so the write sees every stored key. One pair per series and
    /// UTC day is sent. Returns how many compacted points were moved back.
    /// </summary>
    public static async Task<int> PrepareWriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IEnumerable<(int Series, DateTimeOffset ObservedAt)> points, CancellationToken cancellationToken)
    {
        var days = new HashSet<(int Series, DateTime Day)>();
        foreach (var (series, observedAt) in points)
        {
            days.Add((series, observedAt.UtcDateTime.Date));
        }

        if (days.Count == 0)
        {
            return 0;
        }

        await using var command = new NpgsqlCommand($"SELECT {HistoryCompaction.PrepareWriteFunction}(@series, @times)", connection, transaction);
        command.Parameters.AddWithValue("series", days.Select(d => d.Series).ToArray());
        command.Parameters.AddWithValue("times", days.Select(d => new DateTimeOffset(DateTime.SpecifyKind(d.Day, DateTimeKind.Utc))).ToArray());
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
