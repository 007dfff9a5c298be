using System.Diagnostics;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.Options;
using Kasparro.Ingestion.Rollups;
using Kasparro.Ingestion.Storage;
using Kasparro.Ingestion.Upstream;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Ingestion.Pipeline;

/// <summary>
/// The life of every run, snapshot or backfill: takes the source's lock (or refuses when another run holds it), marks
/// runs a dead process left 'running' as failed, lets the body refuse or name its trigger, writes the start row, opens
/// the log scope, trace span and request counters, runs the body within <c>Etl:RunTimeout</c>, words how it failed, and
/// writes the finish row and the run's metrics; then, with the source's lock released, brings the rollups of what the
/// run committed up to date. The body (<see cref="RunBody"/>) only reads, writes and says how it went.
/// </summary>
public sealed class RunLifecycle(NpgsqlDataSource dataSource, RunRecorder runs, RollupRefresher rollups, IOptions<EtlOptions> etlOptions,
    ILogger<RunLifecycle> logger)
{
    public async Task<RunOutcome> RunAsync(RunBody body, string trigger, string? triggerId, CancellationToken cancellationToken)
    {
        var outcome = await RunHoldingSourceLockAsync(body, trigger, triggerId, cancellationToken);
        if (outcome.Counts.Inserted + outcome.Counts.Updated > 0)
        {
            await RefreshRollupsAsync(outcome, cancellationToken);
        }

        return outcome;
    }

    /// <summary>
    /// The rollup step after the run's batches committed, outside their transactions (inside them it made the load 2.7x
    /// slower, docs/performance.md "Rollups"). A failure here does not fail the run: the days stay queued, readers compute
    /// them from the raw points meanwhile, and the next run or the service's <see cref="RollupWorker"/> refreshes them.
    /// </summary>
    private async Task RefreshRollupsAsync(RunOutcome outcome, CancellationToken cancellationToken)
    {
        try
        {
            await rollups.RefreshQueuedAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or OperationCanceledException)
        {
            logger.LogWarning("Refreshing the rollups after run {RunId} of {Source} failed ({Reason}); its days stay queued", outcome.RunId, outcome.Source, ex.Message);
        }
    }

    private async Task<RunOutcome> RunHoldingSourceLockAsync(RunBody body, string trigger, string? triggerId, CancellationToken cancellationToken)
    {
        var source = body.Source;
        await using var sourceLock = await SourceLock.TryAcquireAsync(dataSource, source, cancellationToken);
        if (sourceLock is null)
        {
            return Refuse(source, RunOutcome.Refused, await runs.DescribeRunningAsync(source, cancellationToken));
        }

        var abandoned = await runs.FailAbandonedAsync(source, cancellationToken);
        if (abandoned > 0)
        {
            logger.LogWarning("Marked {Count} abandoned run(s) of {Source} as failed", abandoned, source);
        }

        var admission = await body.AdmitAsync(trigger, cancellationToken);
        if (admission.RefusedStatus is { } refused)
        {
            return Refuse(source, refused, admission.Reason);
        }

        trigger = admission.Trigger;
        var runId = await runs.StartAsync(source, trigger, triggerId, cancellationToken);
        // A message-template scope: renders as "Run 12 of coingecko" in text and JSON logs (a dictionary renders as its
        // type name) and still carries run_id and source as properties for log queries.
        using var logScope = logger.BeginScope("Run {run_id} of {source}", runId, source);
        using var activity = EtlTelemetry.Activities.StartActivity(body.ActivityName);
        activity?.SetTag("etl.source", source);
        activity?.SetTag("etl.run_id", runId);
        activity?.SetTag("etl.trigger", trigger);
        var run = new RunContext(source, runId, RunScope.Begin(), logger);
        logger.LogInformation("Run {RunId} of {Source} started ({Trigger})", runId, source, trigger);

        var runTimeout = etlOptions.Value.RunTimeout;
        RunVerdict verdict;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(runTimeout);
        try
        {
            verdict = await body.ExecuteAsync(run, timeout.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            verdict = new RunVerdict(EtlRunStatus.Failed, body.WithProgress(RunFailures.Describe(ex, source, runTimeout), false));
            logger.LogError(ex, "Run {RunId} of {Source} failed: {Error}", runId, source, verdict.Error);
        }
        catch (OperationCanceledException)
        {
            verdict = new RunVerdict(EtlRunStatus.Failed, body.WithProgress(RunFailures.Cancelled, true));
        }

        var (status, error) = verdict;
        var total = run.Counts;
        long? durationMs = null;
        try
        {
            var finished = await runs.FinishAsync(runId, status, error, run.Scope.Requests, run.Scope.Retries, CancellationToken.None);
            total = new BatchCounts(finished.Fetched, finished.Inserted, finished.Updated, finished.Unchanged, finished.Quarantined);
            durationMs = finished.DurationMs ?? 0;
        }
        catch (NpgsqlException ex)
        {
            // The database is gone: the row stays 'running' and the next run marks it abandoned.
            logger.LogError(ex, "Could not record the end of run {RunId} of {Source}", runId, source);
        }

        EtlTelemetry.RecordRun(source, status, durationMs);
        activity?.SetTag("etl.status", status);
        activity?.SetTag("etl.fetched", total.Fetched);
        activity?.SetTag("etl.quarantined", total.Quarantined);
        if (status == EtlRunStatus.Failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error);
        }

        logger.LogInformation(
            "Run {RunId} of {Source} finished {Status}: fetched {Fetched}, inserted {Inserted}, updated {Updated}, unchanged {Unchanged}, quarantined {Quarantined}, {Requests} requests, {Retries} retries",
            runId, source, status, total.Fetched, total.Inserted, total.Updated, total.Unchanged, total.Quarantined, run.Scope.Requests, run.Scope.Retries);
        return new RunOutcome(source, runId, status, error, total);
    }

    private RunOutcome Refuse(string source, string status, string? reason)
    {
        logger.LogWarning("Run of {Source} refused: {Reason}", source, reason);
        return new RunOutcome(source, null, status, reason, default);
    }
}
