using System.Diagnostics;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.Operations;
using Kasparro.Ingestion.Alerts;
using Kasparro.Ingestion.Options;
using Kasparro.Ingestion.Quality;
using Kasparro.Ingestion.Sources;
using Kasparro.Ingestion.Storage;
using Kasparro.Ingestion.Upstream;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Ingestion.Pipeline;

/// <summary>How a requested run ended. <see cref="Status"/> is an <see cref="EtlRunStatus"/>, or <c>refused</c> when the source was busy.</summary>
public sealed record RunOutcome(string Source, long? RunId, string Status, string? Error, BatchCounts Counts)
{
    public const string Refused = "refused";

    /// <summary>The source is paused (breaking drift under <c>OnDrift = pause</c>) until an operator resumes it.</summary>
    public const string Paused = "paused";

    public bool Succeeded => Status is EtlRunStatus.Success or EtlRunStatus.Partial;
}

/// <summary>
/// Runs one source end to end: takes the source's lock, records the run, reads the source batch by batch,
/// resolves assets, writes each batch (data, quarantine, drift, checkpoint and run counts in one transaction),
/// and records how the run ended. A crash loses no committed batch and the next run resumes from the checkpoint.
/// </summary>
public sealed class EtlRunner(
    NpgsqlDataSource dataSource,
    IEnumerable<IMarketSource> sources,
    RunRecorder runs,
    AlertEvaluator alerts,
    AssetOverrides overrides,
    SourceGate gate,
    IOptions<EtlOptions> etlOptions,
    TimeProvider clock,
    ILogger<EtlRunner> logger)
{
    public IReadOnlyList<IMarketSource> Sources { get; } = sources.ToList();

    /// <summary>Runs one source; a <paramref name="fullRefresh"/> forgets its checkpoints first and is recorded with trigger <c>full-refresh</c>.</summary>
    public async Task<RunOutcome> RunAsync(string sourceName, string trigger, string? triggerId, CancellationToken cancellationToken, bool fullRefresh = false)
    {
        var source = Sources.FirstOrDefault(s => s.Name == sourceName)
            ?? throw new ArgumentException($"Unknown source '{sourceName}'. Known: {string.Join(", ", Sources.Select(s => s.Name))}.", nameof(sourceName));

        await using var sourceLock = await SourceLock.TryAcquireAsync(dataSource, source.Name, cancellationToken);
        if (sourceLock is null)
        {
            var reason = await runs.DescribeRunningAsync(source.Name, cancellationToken);
            logger.LogWarning("Run of {Source} refused: {Reason}", source.Name, reason);
            return new RunOutcome(source.Name, null, RunOutcome.Refused, reason, default);
        }

        var abandoned = await runs.FailAbandonedAsync(source.Name, cancellationToken);
        if (abandoned > 0)
        {
            logger.LogWarning("Marked {Count} abandoned run(s) of {Source} as failed", abandoned, source.Name);
        }

        if (await gate.RefusalAsync(source.Name, cancellationToken) is { } paused)
        {
            logger.LogWarning("Run of {Source} refused: {Reason}", source.Name, paused);
            return new RunOutcome(source.Name, null, RunOutcome.Paused, paused, default);
        }

        if (fullRefresh)
        {
            var forgotten = await gate.ForgetCheckpointsAsync(source.Name, cancellationToken);
            logger.LogInformation("Full refresh of {Source}: forgot {Count} checkpoint(s)", source.Name, forgotten);
            trigger = SourceGate.FullRefreshTrigger;
        }

        var runId = await runs.StartAsync(source.Name, trigger, triggerId, cancellationToken);
        // A message-template scope: renders as "Run 12 of coingecko" in text and JSON logs (a dictionary renders as its
        // type name) and still carries run_id and source as properties for log queries.
        using var logScope = logger.BeginScope("Run {run_id} of {source}", runId, source.Name);
        using var activity = EtlTelemetry.Activities.StartActivity("etl.run");
        activity?.SetTag("etl.source", source.Name);
        activity?.SetTag("etl.run_id", runId);
        activity?.SetTag("etl.trigger", trigger);
        var scope = RunScope.Begin();
        logger.LogInformation("Run {RunId} of {Source} started ({Trigger})", runId, source.Name, trigger);

        var total = default(BatchCounts);
        string status;
        string? error = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(etlOptions.Value.RunTimeout);
        try
        {
            total = await ProcessAsync(source, runId, scope, timeout.Token);
            status = total.Fetched > 0 && total.Quarantined == total.Fetched ? EtlRunStatus.Failed
                : total.Quarantined > 0 ? EtlRunStatus.Partial
                : EtlRunStatus.Success;
            if (status == EtlRunStatus.Failed)
            {
                error = $"every one of the {total.Fetched} records was quarantined";
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            status = EtlRunStatus.Failed;
            error = Describe(ex, source.Name, etlOptions.Value.RunTimeout);
            logger.LogError(ex, "Run {RunId} of {Source} failed: {Error}", runId, source.Name, error);
        }
        catch (OperationCanceledException)
        {
            status = EtlRunStatus.Failed;
            error = "cancelled: the service is shutting down";
        }

        try
        {
            var finished = await runs.FinishAsync(runId, status, error, scope.Requests, scope.Retries, CancellationToken.None);
            total = new BatchCounts(finished.Fetched, finished.Inserted, finished.Updated, finished.Unchanged, finished.Quarantined);
            EtlTelemetry.RunDuration.Record((finished.DurationMs ?? 0) / 1000.0, Tag("source", source.Name), Tag("status", status));
        }
        catch (NpgsqlException ex)
        {
            // The database is gone: the row stays 'running' and the next run marks it abandoned.
            logger.LogError(ex, "Could not record the end of run {RunId} of {Source}", runId, source.Name);
        }

        EtlTelemetry.Runs.Add(1, Tag("source", source.Name), Tag("status", status));
        activity?.SetTag("etl.status", status);
        activity?.SetTag("etl.fetched", total.Fetched);
        activity?.SetTag("etl.quarantined", total.Quarantined);
        if (status == EtlRunStatus.Failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error);
        }

        await alerts.EvaluateAfterRunAsync(source.Name, runId);
        logger.LogInformation(
            "Run {RunId} of {Source} finished {Status}: fetched {Fetched}, inserted {Inserted}, updated {Updated}, unchanged {Unchanged}, quarantined {Quarantined}, {Requests} requests, {Retries} retries",
            runId, source.Name, status, total.Fetched, total.Inserted, total.Updated, total.Unchanged, total.Quarantined, scope.Requests, scope.Retries);
        return new RunOutcome(source.Name, runId, status, error, total);
    }

    private async Task<BatchCounts> ProcessAsync(IMarketSource source, long runId, RunScope scope, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var checkpoints = await LoadCheckpointsAsync(connection, source.Name, cancellationToken);
        var context = new SourceReadContext(runId, checkpoints, clock.GetUtcNow()) { OnDrift = gate.OnDrift(source.Name) };
        var resolver = new AssetResolver(await AssetStore.LoadAsync(connection, cancellationToken), overrides, clock);
        var failAfter = etlOptions.Value.FailAfterRecords;
        var total = default(BatchCounts);

        await foreach (var ((batch, batchDrift), next) in BatchReadAhead.WithNextAsync(BatchReadAhead.ReadAsync(source, context, cancellationToken), cancellationToken))
        {
            await gate.PauseOnBreakingDriftAsync(source.Name, runId, batchDrift, cancellationToken);
            using var load = EtlTelemetry.Activities.StartActivity("etl.load");
            var (resolved, rejected, raw) = ResolveBatch(batch, source, resolver);
            var newerInNextBatch = NewestObservations(next?.Batch, batch.Checkpoint.Key);
            // A file's last batch (for an API source, the run's): per-file state is written with it.
            var endsFile = next is null || next.Batch.Checkpoint.Key != batch.Checkpoint.Key;

            var now = clock.GetUtcNow();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            BatchCounts counts;
            IReadOnlyList<StoredDriftEvent> drift;
            try
            {
                await AssetStore.WriteAsync(connection, transaction, resolver.TakeChanges(withRaisedMarketCaps: endsFile), cancellationToken);
                counts = await BulkWriter.WriteAsync(connection, transaction, source.Name, runId, resolved, rejected, raw, isBackfill: false, newerInNextBatch, now, cancellationToken);
                drift = await DriftAccumulator.WriteAsync(connection, transaction, source.Name, runId, batchDrift, now, cancellationToken);
                var watermark = resolved.Count > 0 ? resolved.Max(r => r.Values.ObservedAt) : (DateTimeOffset?)null;
                await WriteCheckpointAsync(connection, transaction, source.Name, batch.Checkpoint, watermark, runId, now, cancellationToken);
                await RunRecorder.AddCountsAsync(connection, transaction, runId, counts, scope.Requests, scope.Retries, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch
            {
                await TryReloadAsync(resolver, connection);
                throw;
            }

            SchemaDriftLog.Log(logger, runId, drift);
            total += counts;
            load?.SetTag("etl.records", counts.Fetched);
            RecordMetrics(source.Name, counts);

            if (failAfter is { } limit && total.Fetched >= limit)
            {
                throw new InvalidOperationException($"fault injection: failing after {total.Fetched} records (Etl:FailAfterRecords={limit})");
            }
        }

        return total;
    }

    /// <summary>
    /// Splits a batch into accepted records with their canonical assets, rejected records and raw payloads, in one pass.
    /// Each source id is resolved once per batch, from its record with the largest market cap (the first of equals).
    /// </summary>
    private static (List<ResolvedRecord> Resolved, List<SourceRecord> Rejected, IReadOnlyList<RawPayload> Raw) ResolveBatch(
        SourceBatch batch, IMarketSource source, AssetResolver resolver)
    {
        var accepted = new List<SourceRecord>(batch.Records.Count);
        var rejected = new List<SourceRecord>();
        var largest = new Dictionary<string, MarketValues>(StringComparer.Ordinal);
        foreach (var record in batch.Records)
        {
            if (record.Values is not { } values)
            {
                rejected.Add(record);
                continue;
            }

            accepted.Add(record);
            if (!largest.TryGetValue(record.SourceId!, out var held) || (values.MarketCapUsd ?? -1) > (held.MarketCapUsd ?? -1))
            {
                largest[record.SourceId!] = values;
            }
        }

        var assets = resolver.ResolveAll(largest.Select(p => new AssetCandidate(source.Name, p.Key, p.Value.Ticker, p.Value.Name, p.Value.MarketCapUsd, p.Value.Rank, source.Identity)));
        var assetOf = new Dictionary<string, string>(largest.Count, StringComparer.Ordinal);
        foreach (var ((_, sourceId), assetId) in assets)
        {
            assetOf[sourceId] = assetId;
        }

        var resolved = new List<ResolvedRecord>(accepted.Count);
        foreach (var record in accepted)
        {
            resolved.Add(new ResolvedRecord(record.SourceId!, assetOf[record.SourceId!], record.Values!));
        }

        IReadOnlyList<RawPayload> raw = batch.RawChunk is { } chunk
            ? [chunk]
            : accepted.ConvertAll(r => new RawPayload(r.SourceId!, r.Values!.ObservedAt, r.RawPayload));
        return (resolved, rejected, raw);
    }

    /// <summary>The newest accepted observation per source id in <paramref name="next"/>, when it continues the same file or position.</summary>
    private static Dictionary<string, DateTimeOffset> NewestObservations(SourceBatch? next, string checkpointKey)
    {
        var newest = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        if (next is null || next.Checkpoint.Key != checkpointKey)
        {
            return newest;
        }

        foreach (var record in next.Records)
        {
            if (record.Values is { } values && (!newest.TryGetValue(record.SourceId!, out var held) || values.ObservedAt > held))
            {
                newest[record.SourceId!] = values.ObservedAt;
            }
        }

        return newest;
    }

    /// <summary>
    /// Resets the resolver after a rolled-back batch. When the database itself is what failed, the reload fails
    /// too, and its "Connection is not open" must not hide the real reason the run failed.
    /// </summary>
    private async Task TryReloadAsync(AssetResolver resolver, NpgsqlConnection connection)
    {
        try
        {
            resolver.Reset(await AssetStore.LoadAsync(connection, CancellationToken.None));
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            logger.LogDebug(ex, "Could not reload the asset resolver after a failed batch");
        }
    }

    private static async Task<Dictionary<string, string?>> LoadCheckpointsAsync(NpgsqlConnection connection, string source, CancellationToken cancellationToken)
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

    private static async Task WriteCheckpointAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string source, CheckpointUpdate checkpoint,
        DateTimeOffset? watermark, long runId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO etl_checkpoints (key, source, watermark, position, run_id, updated_at)
            VALUES (@key, @source, @watermark, @position, @run, @now)
            ON CONFLICT (key) DO UPDATE
               SET watermark = GREATEST(etl_checkpoints.watermark, EXCLUDED.watermark), position = EXCLUDED.position,
                   run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at
            """, connection, transaction);
        command.Parameters.AddWithValue("key", checkpoint.Key);
        command.Parameters.AddWithValue("source", source);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("watermark", NpgsqlTypes.NpgsqlDbType.TimestampTz) { TypedValue = watermark });
        command.Parameters.AddWithValue("position", (object?)checkpoint.Position ?? DBNull.Value);
        command.Parameters.AddWithValue("run", runId);
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void RecordMetrics(string source, BatchCounts counts)
    {
        EtlTelemetry.Records.Add(counts.Inserted, Tag("source", source), Tag("outcome", "inserted"));
        EtlTelemetry.Records.Add(counts.Updated, Tag("source", source), Tag("outcome", "updated"));
        EtlTelemetry.Records.Add(counts.Unchanged, Tag("source", source), Tag("outcome", "unchanged"));
        EtlTelemetry.Records.Add(counts.Quarantined, Tag("source", source), Tag("outcome", "quarantined"));
    }

    private static string Describe(Exception ex, string source, TimeSpan runTimeout) => ex switch
    {
        UpstreamException upstream => upstream.Message,
        SourcePausedException paused => paused.Message,
        // The per-attempt timeout and the run timeout are both Polly timeouts; only the run's is the run's fault.
        Polly.Timeout.TimeoutRejectedException attempt when attempt.Timeout != runTimeout =>
            $"{source} did not answer within {attempt.Timeout} (Etl:AttemptTimeout) after every retry",
        OperationCanceledException or Polly.Timeout.TimeoutRejectedException => $"the run did not finish within Etl:RunTimeout ({runTimeout})",
        FileNotFoundException file => file.Message,
        HttpRequestException or IOException => $"{source} upstream connection failed after every retry: {Messages(ex)}",
        NpgsqlException => $"database error: {Messages(ex)}",
        _ => ex.Message,
    };

    /// <summary>The exception's message and its causes' ("Error while copying content" says little without "response ended prematurely").</summary>
    private static string Messages(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message.TrimEnd('.'));
        }

        return string.Join(": ", messages.Distinct());
    }

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}
