using Kasparro.Data.Entities;
using Kasparro.Ingestion.Pipeline;
using Npgsql;

namespace Kasparro.Ingestion.Storage;

/// <summary>Writes the <c>etl_runs</c> rows: start, per-batch counts (inside the batch's transaction), finish.</summary>
public sealed class RunRecorder(NpgsqlDataSource dataSource, TimeProvider clock)
{
    private static readonly string Worker = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>
    /// Marks runs of the source left 'running' by a process that died as failed. Only called while holding the
    /// source's lock, so no live run can be among them.
    /// </summary>
    public async Task<int> FailAbandonedAsync(string source, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE etl_runs
               SET status = 'failed', finished_at = @now,
                   duration_ms = (extract(epoch FROM (@now - started_at)) * 1000)::bigint,
                   error_message = 'abandoned: the process running it stopped before finishing (' || coalesce(worker, 'unknown worker') || ')'
             WHERE source = @source AND status = 'running'
            """);
        command.Parameters.AddWithValue("source", source);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> StartAsync(string source, string trigger, string? triggerId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO etl_runs (source, status, trigger, trigger_id, started_at, worker,
                                  fetched, inserted, updated, unchanged, quarantined, requests, retries)
            VALUES (@source, 'running', @trigger, @trigger_id, @now, @worker, 0, 0, 0, 0, 0, 0, 0)
            RETURNING id
            """);
        command.Parameters.AddWithValue("source", source);
        command.Parameters.AddWithValue("trigger", trigger);
        command.Parameters.AddWithValue("trigger_id", (object?)triggerId ?? DBNull.Value);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        command.Parameters.AddWithValue("worker", Worker);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Adds a committed batch's counts; runs in the batch's transaction so counts match committed data exactly.</summary>
    public static async Task AddCountsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long runId, BatchCounts counts, int requests, int retries, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            UPDATE etl_runs
               SET fetched = fetched + @fetched, inserted = inserted + @inserted, updated = updated + @updated,
                   unchanged = unchanged + @unchanged, quarantined = quarantined + @quarantined,
                   requests = @requests, retries = @retries
             WHERE id = @id
            """, connection, transaction);
        command.Parameters.AddWithValue("id", runId);
        command.Parameters.AddWithValue("fetched", counts.Fetched);
        command.Parameters.AddWithValue("inserted", counts.Inserted);
        command.Parameters.AddWithValue("updated", counts.Updated);
        command.Parameters.AddWithValue("unchanged", counts.Unchanged);
        command.Parameters.AddWithValue("quarantined", counts.Quarantined);
        command.Parameters.AddWithValue("requests", requests);
        command.Parameters.AddWithValue("retries", retries);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<EtlRun> FinishAsync(long runId, string status, string? error, int requests, int retries, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE etl_runs
               SET status = @status, finished_at = @now, error_message = @error,
                   duration_ms = (extract(epoch FROM (@now - started_at)) * 1000)::bigint,
                   requests = @requests, retries = @retries
             WHERE id = @id
            RETURNING source, started_at, duration_ms, fetched, inserted, updated, unchanged, quarantined
            """);
        command.Parameters.AddWithValue("id", runId);
        command.Parameters.AddWithValue("status", status);
        command.Parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        command.Parameters.AddWithValue("requests", requests);
        command.Parameters.AddWithValue("retries", retries);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new EtlRun
        {
            Id = runId, Source = reader.GetString(0), Status = status, Trigger = "", StartedAt = reader.GetFieldValue<DateTimeOffset>(1),
            DurationMs = reader.GetInt64(2), Fetched = reader.GetInt32(3), Inserted = reader.GetInt32(4), Updated = reader.GetInt32(5),
            Unchanged = reader.GetInt32(6), Quarantined = reader.GetInt32(7), ErrorMessage = error, Requests = requests, Retries = retries,
        };
    }

    /// <summary>The run currently holding a source, for a refusal message.</summary>
    public async Task<string> DescribeRunningAsync(string source, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, worker, started_at FROM etl_runs WHERE source = @source AND status = 'running' ORDER BY id DESC LIMIT 1");
        command.Parameters.AddWithValue("source", source);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? $"{source} is already running (run {reader.GetInt64(0)} on {reader.GetString(1)}, started {reader.GetFieldValue<DateTimeOffset>(2):O})"
            : $"{source} is already running in another process";
    }
}
