using Npgsql;
using NpgsqlTypes;

namespace Kasparro.Ingestion.Storage;

/// <summary>
/// The <c>etl_checkpoints</c> rows: where a source's next run resumes (a CSV file's fingerprint and rows reached,
/// CoinGecko's page, a backfilled asset's covered range), each written in the transaction of the batch it covers.
/// </summary>
public static class CheckpointStore
{
    /// <summary>Every checkpoint position of the source, by key.</summary>
    public static async Task<Dictionary<string, string?>> LoadAsync(NpgsqlConnection connection, string source, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT key, position FROM etl_checkpoints WHERE source = @source", connection);
        command.Parameters.AddWithValue("source", source);
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        return result;
    }

    /// <summary>
    /// Stores a checkpoint in the transaction of the batch it covers. The watermark is the newest observation stored
    /// under the key, so it never moves back (a batch without accepted records passes null and keeps it).
    /// </summary>
    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string source, string key, string? position,
        DateTimeOffset? watermark, long runId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO etl_checkpoints (key, source, watermark, position, run_id, updated_at)
            VALUES (@key, @source, @watermark, @position, @run, @now)
            ON CONFLICT (key) DO UPDATE
               SET watermark = GREATEST(etl_checkpoints.watermark, EXCLUDED.watermark), position = EXCLUDED.position,
                   run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at
            """, connection, transaction);
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("source", source);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("watermark", NpgsqlDbType.TimestampTz) { TypedValue = watermark });
        command.Parameters.AddWithValue("position", (object?)position ?? DBNull.Value);
        command.Parameters.AddWithValue("run", runId);
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Forgets every checkpoint and watermark of the source, so its next run reads everything again.</summary>
    public static async Task<int> ForgetAsync(NpgsqlDataSource dataSource, string source, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM etl_checkpoints WHERE source = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = source });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
