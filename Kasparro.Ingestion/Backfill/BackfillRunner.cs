using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.Options;
using Kasparro.Ingestion.Pipeline;
using Kasparro.Ingestion.Quality;
using Kasparro.Ingestion.Sources.CoinGecko;
using Kasparro.Ingestion.Storage;
using Kasparro.Ingestion.Upstream;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Ingestion.Backfill;

/// <summary>How a backfill run ended: the run (as <c>etl_runs</c> records it) and its progress over assets.</summary>
public sealed record BackfillOutcome(RunOutcome Run, int Assets, int AssetsDone, int AlreadyComplete, int Requests);

/// <summary>
/// Fills past prices from CoinGecko market charts: one run at a time (the <c>coingecko-history</c> lock), recorded
/// in <c>etl_runs</c> like any run, one request per asset in the plan's order, each asset's points, counts and
/// checkpoint committed together, so an interrupted backfill resumes with the assets it had not finished.
/// Requests go through the CoinGecko client (and so the shared CoinGecko limiter), after the backfill's own budget.
/// </summary>
public sealed class BackfillRunner(
    NpgsqlDataSource dataSource,
    CoinGeckoClient client,
    BackfillRateLimiter budget,
    RunRecorder runs,
    AssetOverrides overrides,
    IOptions<HistoryBackfillOptions> options,
    IOptions<EtlOptions> etlOptions,
    TimeProvider clock,
    ILogger<BackfillRunner> logger)
{
    private const string Source = SourceNames.CoinGeckoHistory;

    public async Task<BackfillOutcome> RunAsync(BackfillRequest request, string trigger, string? triggerId, CancellationToken cancellationToken)
    {
        await using var sourceLock = await SourceLock.TryAcquireAsync(dataSource, Source, cancellationToken);
        if (sourceLock is null)
        {
            var reason = await runs.DescribeRunningAsync(Source, cancellationToken);
            logger.LogWarning("Backfill refused: {Reason}", reason);
            return new BackfillOutcome(new RunOutcome(Source, null, RunOutcome.Refused, reason, default), 0, 0, 0, 0);
        }

        var abandoned = await runs.FailAbandonedAsync(Source, cancellationToken);
        if (abandoned > 0)
        {
            logger.LogWarning("Marked {Count} abandoned backfill run(s) as failed", abandoned);
        }

        var runId = await runs.StartAsync(Source, trigger, triggerId, cancellationToken);
        using var logScope = logger.BeginScope("Run {run_id} of {source}", runId, Source);
        using var activity = EtlTelemetry.Activities.StartActivity("etl.backfill");
        activity?.SetTag("etl.source", Source);
        activity?.SetTag("etl.run_id", runId);
        var scope = RunScope.Begin();
        var progress = new Progress();
        string status;
        string? error = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(etlOptions.Value.RunTimeout);
        try
        {
            await ProcessAsync(request, runId, scope, progress, timeout.Token);
            status = progress.Counts.Fetched > 0 && progress.Counts.Quarantined == progress.Counts.Fetched ? EtlRunStatus.Failed
                : progress.Counts.Quarantined > 0 || progress.Unknown.Count > 0 ? EtlRunStatus.Partial
                : EtlRunStatus.Success;
            if (progress.Unknown.Count > 0)
            {
                error = $"no CoinGecko snapshot lists {string.Join(", ", progress.Unknown)}: run the coingecko snapshot first (it links an id to its asset)";
                status = progress.Assets == 0 ? EtlRunStatus.Failed : status;
            }
            else if (status == EtlRunStatus.Failed)
            {
                error = $"every one of the {progress.Counts.Fetched} points was quarantined";
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            status = EtlRunStatus.Failed;
            error = ex switch
            {
                UpstreamException upstream => upstream.Message,
                OperationCanceledException or Polly.Timeout.TimeoutRejectedException => $"the run did not finish within Etl:RunTimeout ({etlOptions.Value.RunTimeout})",
                HttpRequestException http => $"upstream unreachable: {http.Message}",
                NpgsqlException db => $"database error: {db.Message}",
                _ => ex.Message,
            };
            error += $" ({progress.Done} of {progress.Assets} assets done; the next backfill resumes with the rest)";
            logger.LogError(ex, "Backfill run {RunId} failed: {Error}", runId, error);
        }
        catch (OperationCanceledException)
        {
            status = EtlRunStatus.Failed;
            error = $"cancelled: the service is shutting down ({progress.Done} of {progress.Assets} assets done)";
        }

        var total = progress.Counts;
        try
        {
            var finished = await runs.FinishAsync(runId, status, error, scope.Requests, scope.Retries, CancellationToken.None);
            total = new BatchCounts(finished.Fetched, finished.Inserted, finished.Updated, finished.Unchanged, finished.Quarantined);
            EtlTelemetry.RunDuration.Record((finished.DurationMs ?? 0) / 1000.0, Tag("source", Source), Tag("status", status));
        }
        catch (NpgsqlException ex)
        {
            logger.LogError(ex, "Could not record the end of backfill run {RunId}", runId);
        }

        EtlTelemetry.Runs.Add(1, Tag("source", Source), Tag("status", status));
        activity?.SetTag("etl.status", status);
        logger.LogInformation(
            "Backfill run {RunId} finished {Status}: {Done}/{Assets} assets ({Complete} already complete), {Points} points written, fetched {Fetched}, unchanged {Unchanged}, quarantined {Quarantined}, {Requests} requests, {Retries} retries",
            runId, status, progress.Done, progress.Assets, progress.AlreadyComplete, total.Inserted, total.Fetched, total.Unchanged, total.Quarantined, scope.Requests, scope.Retries);
        return new BackfillOutcome(new RunOutcome(Source, runId, status, error, total), progress.Assets, progress.Done, progress.AlreadyComplete, scope.Requests);
    }

    private async Task ProcessAsync(BackfillRequest request, long runId, RunScope scope, Progress progress, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var plan = await BackfillPlan.CreateAsync(connection, request, options.Value.RefreshAfter, clock.GetUtcNow(), cancellationToken);
        progress.Assets = plan.Work.Count;
        progress.AlreadyComplete = plan.Complete.Count;
        progress.Unknown = plan.Unknown;
        logger.LogInformation("Backfill run {RunId}: {Work} of {Targets} assets need history ({Days} days, at most {Rate} requests/min)",
            runId, plan.Work.Count, plan.Targets, request.Days, budget.RequestsPerMinute);
        var resolver = new AssetResolver(await AssetStore.LoadAsync(connection, cancellationToken), overrides, clock);

        foreach (var work in plan.Work)
        {
            await budget.WaitTurnAsync(cancellationToken);
            var requestedAt = clock.GetUtcNow();
            using var document = work.Range is { } range
                ? await client.GetMarketChartRangeAsync(work.Target.CoinId, range.From, range.To, cancellationToken)
                : await client.GetMarketChartAsync(work.Target.CoinId, work.Days, cancellationToken);
            var chart = MarketChart.Read(work.Target.CoinId, document.RootElement);
            var assetId = work.Target.AssetId ?? resolver.Resolve(BackfillPlan.Candidate(work.Target));
            var covered = Covered(work, chart, requestedAt);
            var granularity = work.Range is null ? BackfillPlan.Granularity(work.Days) : BackfillPlan.RangeGranularity(work.Days);

            var now = clock.GetUtcNow();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            BatchCounts counts;
            try
            {
                await AssetStore.WriteAsync(connection, transaction, resolver.TakeChanges(), cancellationToken);
                counts = await HistoryWriter.WriteAsync(connection, transaction, runId, work.Target.CoinId, assetId, chart,
                    document.RootElement.GetRawText(), granularity, now, cancellationToken);
                await covered.WriteAsync(connection, transaction, work.Target.CoinId, runId, now, cancellationToken);
                await RunRecorder.AddCountsAsync(connection, transaction, runId, counts, scope.Requests, scope.Retries, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch
            {
                resolver.Reset(await AssetStore.LoadAsync(connection, CancellationToken.None));
                throw;
            }

            progress.Done++;
            progress.Counts += counts;
            EtlTelemetry.Records.Add(counts.Inserted, Tag("source", Source), Tag("outcome", "inserted"));
            EtlTelemetry.Records.Add(counts.Unchanged, Tag("source", Source), Tag("outcome", "unchanged"));
            EtlTelemetry.Records.Add(counts.Quarantined, Tag("source", Source), Tag("outcome", "quarantined"));
            // Per asset at Debug: a 100-asset backfill is one start and one summary line at Information; progress is in
            // the run row (the dashboard) and the metrics.
            logger.LogDebug("Backfill run {RunId}: {Done}/{Assets} assets, {Points} points written ({Coin}: {Received} received, {Inserted} new, {Days} days)",
                runId, progress.Done, progress.Assets, progress.Counts.Inserted, work.Target.CoinId, counts.Fetched, counts.Inserted, work.Days);
        }
    }

    /// <summary>
    /// What the asset's checkpoint says is complete after this request. A days-back answer covers everything from 'days'
    /// before the request up to its newest point (nothing older exists upstream). An explicit range extends the checkpoint
    /// only when it touches it: the checkpoint is one unbroken span, so a range apart from it leaves it as it was.
    /// </summary>
    private static BackfillCheckpoint Covered(BackfillWork work, MarketChart chart, DateTimeOffset requestedAt)
    {
        if (work.Range is { } range)
        {
            return work.Checkpoint switch
            {
                null => new BackfillCheckpoint(range.From, range.To),
                var held when range.From <= held.To && range.To >= held.From => held.Extend(range.From, range.To),
                var held => held,
            };
        }

        var coveredFrom = requestedAt - TimeSpan.FromDays(work.Days);
        var coveredTo = chart.Points.Count > 0 ? chart.Points.Max(p => p.ObservedAt) : requestedAt;
        return work.Checkpoint?.Extend(coveredFrom, coveredTo) ?? new BackfillCheckpoint(coveredFrom, coveredTo);
    }

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);

    /// <summary>Where the run stands, kept outside the try so a failed run still reports it.</summary>
    private sealed class Progress
    {
        public int Assets { get; set; }
        public int Done { get; set; }
        public int AlreadyComplete { get; set; }
        public IReadOnlyList<string> Unknown { get; set; } = [];
        public BatchCounts Counts { get; set; }
    }
}
