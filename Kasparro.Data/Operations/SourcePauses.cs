using Kasparro.Data.Entities;
using Npgsql;

namespace Kasparro.Data.Operations;

/// <summary>
/// Reads and writes <c>source_states</c>: pausing a source (breaking drift under <c>OnDrift = pause</c>), asking whether it
/// is paused, and resuming it. In the database, so a pause holds across restarts and for every replica.
/// </summary>
public static class SourcePauses
{
    /// <summary>The source's state row, or null when it was never paused.</summary>
    public static async Task<SourceState?> GetAsync(NpgsqlDataSource dataSource, string source, CancellationToken cancellationToken) =>
        (await GetAllAsync(dataSource, cancellationToken)).GetValueOrDefault(source);

    /// <summary>Every source's state row, by source.</summary>
    public static async Task<Dictionary<string, SourceState>> GetAllAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT source, paused_at, pause_reason, paused_run_id, resumed_at, resumed_by FROM source_states");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var states = new Dictionary<string, SourceState>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var state = new SourceState
            {
                Source = reader.GetString(0),
                PausedAt = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
                PauseReason = reader.IsDBNull(2) ? null : reader.GetString(2),
                PausedRunId = reader.IsDBNull(3) ? null : reader.GetInt64(3),
                ResumedAt = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                ResumedBy = reader.IsDBNull(5) ? null : reader.GetString(5),
            };
            states[state.Source] = state;
        }

        return states;
    }

    /// <summary>Pauses the source with a reason; a pause clears the previous resume.</summary>
    public static async Task PauseAsync(NpgsqlDataSource dataSource, string source, string reason, long runId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO source_states (source, paused_at, pause_reason, paused_run_id, resumed_at, resumed_by)
            VALUES ($1, $2, $3, $4, NULL, NULL)
            ON CONFLICT (source) DO UPDATE
               SET paused_at = EXCLUDED.paused_at, pause_reason = EXCLUDED.pause_reason, paused_run_id = EXCLUDED.paused_run_id,
                   resumed_at = NULL, resumed_by = NULL
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = source });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = reason });
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Resumes a paused source. Returns the state as it was before, or null when the source was not paused (nothing changes).</summary>
    public static async Task<SourceState?> ResumeAsync(NpgsqlDataSource dataSource, string source, string by, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE source_states SET resumed_at = $2, resumed_by = $3
             WHERE source = $1 AND paused_at IS NOT NULL AND (resumed_at IS NULL OR resumed_at < paused_at)
            RETURNING paused_at, pause_reason, paused_run_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = source });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = by });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new SourceState
        {
            Source = source,
            PausedAt = reader.GetFieldValue<DateTimeOffset>(0),
            PauseReason = reader.IsDBNull(1) ? null : reader.GetString(1),
            PausedRunId = reader.IsDBNull(2) ? null : reader.GetInt64(2),
            ResumedAt = now,
            ResumedBy = by,
        };
    }
}
