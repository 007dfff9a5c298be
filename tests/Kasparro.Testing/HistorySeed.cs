using System.Globalization;
using Kasparro.Data;

namespace Kasparro.Testing;

/// <summary>Arranges the partitioned price history by hand: a clean slate of partitions and points at chosen times.</summary>
public static class HistorySeed
{
    /// <summary>Drops every monthly partition (attached or not, of the points and of the compacted days) and the retention records, so a test sees only its own.</summary>
    public static Task ClearAsync(DatabaseFixture database) => database.ExecuteAsync($$"""
        TRUNCATE {{HistoryStorage.PointsTable}}, {{HistoryCompaction.ChunksTable}}, {{HistoryStorage.SeriesTable}} RESTART IDENTITY;
        DELETE FROM audit_events WHERE action = 'history.partition_drop';
        DO $$
        DECLARE partition text;
        BEGIN
            FOR partition IN SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ '^({{HistoryStorage.PointsTable}}|{{HistoryCompaction.ChunksTable}})_[0-9]{4}_[0-9]{2}$' LOOP
                EXECUTE format('DROP TABLE %I', partition);
            END LOOP;
        END $$;
        """);

    /// <summary>One coingecko series <paramref name="sourceId"/> with a point at each of <paramref name="times"/> (partitions created as writers do).</summary>
    public static Task AddPointsAsync(DatabaseFixture database, string sourceId, params DateTimeOffset[] times)
    {
        var array = string.Join(", ", times.Select(t => $"timestamptz '{t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}Z'"));
        return database.ExecuteAsync($"""
            INSERT INTO {HistoryStorage.SeriesTable} (source, source_id, asset_id) VALUES ('coingecko', '{sourceId}', '{sourceId}') ON CONFLICT DO NOTHING;
            SELECT {HistoryStorage.EnsurePartitionsFunction}(ARRAY[{array}]);
            INSERT INTO {HistoryStorage.PointsTable} ({HistoryStorage.PointColumns})
            SELECT t, (SELECT id FROM {HistoryStorage.SeriesTable} WHERE source = 'coingecko' AND source_id = '{sourceId}'), false, 100.5, NULL, NULL
              FROM unnest(ARRAY[{array}]) AS t;
            """);
    }

    /// <summary>Does what the rollup step does for every queued day: rollups computed from the raw points, the queue emptied.</summary>
    public static Task RollUpAsync(DatabaseFixture database) => database.ExecuteAsync($"""
        DELETE FROM {HistoryRollups.Hourly};
        DELETE FROM {HistoryRollups.HourlyEncoded};
        DELETE FROM {HistoryRollups.Daily};
        {HistoryRollups.InsertHours($"SELECT * FROM {HistoryRollups.BucketsFunction}('1 hour', array(SELECT id FROM {HistoryStorage.SeriesTable}), '-infinity', 'infinity')")};
        INSERT INTO {HistoryRollups.Daily} SELECT * FROM {HistoryRollups.BucketsFunction}('1 day', array(SELECT id FROM {HistoryStorage.SeriesTable}), '-infinity', 'infinity');
        DELETE FROM {HistoryRollups.QueueTable};
        """);

    /// <summary>The names of the partitions attached to the points table, oldest first.</summary>
    public static async Task<List<string>> AttachedPartitionsAsync(DatabaseFixture database)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        return (await HistoryPartitions.ListAsync(connection, CancellationToken.None)).Where(p => p.Attached).Select(p => p.Name).ToList();
    }
}
