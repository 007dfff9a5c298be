using Kasparro.Data;
using Kasparro.Data.Entities;
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
/// Fills past prices from CoinGecko market charts inside the <see cref="RunLifecycle"/> like any run (one at a time
/// under the <c>coingecko-history</c> lock, recorded in <c>etl_runs</c>), one request per asset in the plan's order, each asset's points, counts and
/// checkpoint committed together, so an interrupted backfill resumes with the assets it had not finished.
/// Requests go through the CoinGecko client (and so the shared CoinGecko limiter), after the backfill's own budget.
/// </summary>
public sealed class BackfillRunner(
    NpgsqlDataSource dataSource,
    CoinGeckoClient client,
    BackfillRateLimiter budget,
    RunLifecycle lifecycle,
    AssetOverrides overrides,
    IOptions<HistoryBackfillOptions> options,
    TimeProvider clock,
    ILogger<BackfillRunner> logger)
{
    private const string Source = SourceNames.CoinGeckoHistory;

    public async Task<BackfillOutcome> RunAsync(BackfillRequest request, string trigger, string? triggerId, CancellationToken cancellationToken)
    {
        var progress = new Progress();
        var body = new RunBody(Source, (run, token) => ProcessAsync(request, run, progress, token))
        {
            ActivityName = "etl.backfill",
            WithProgress = (error, cancelled) => cancelled
                ? $"{error} ({progress.Done} of {progress.Assets} assets done)"
                : $"{error} ({progress.Done} of {progress.Assets} assets done; the next backfill resumes with the rest)",
        };
        var outcome = await lifecycle.RunAsync(body, trigger, triggerId, cancellationToken);
        if (outcome.RunId is { } runId)
        {
            logger.LogInformation("Backfill run {RunId}: {Done}/{Assets} assets ({Complete} already complete), {Points} points written",
                runId, progress.Done, progress.Assets, progress.AlreadyComplete, outcome.Counts.Inserted);
        }

        return new BackfillOutcome(outcome, progress.Assets, progress.Done, progress.AlreadyComplete, progress.Requests);
    }

    private async Task<RunVerdict> ProcessAsync(BackfillRequest request, RunContext run, Progress progress, CancellationToken cancellationToken)
    {
        progress.Scope = run.Scope;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var plan = await BackfillPlan.CreateAsync(connection, request, options.Value.RefreshAfter, clock.GetUtcNow(), cancellationToken);
        progress.Assets = plan.Work.Count;
        progress.AlreadyComplete = plan.Complete.Count;
        logger.LogInformation("Backfill run {RunId}: {Work} of {Targets} assets need history ({Days} days, at most {Rate} requests/min)",
            run.RunId, plan.Work.Count, plan.Targets, request.Days, budget.RequestsPerMinute);
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
            var counts = await run.CommitBatchAsync(connection, resolver, withRaisedMarketCaps: true, async transaction =>
            {
                var written = await BackfillPointWriter.WriteAsync(connection, transaction, run.RunId, work.Target.CoinId, assetId, chart,
                    document.RootElement.GetRawText(), granularity, now, cancellationToken);
                await BackfillCheckpointStore.WriteAsync(connection, transaction, work.Target.CoinId, covered, run.RunId, now, cancellationToken);
                return written;
            }, cancellationToken);

            progress.Done++;
            // Per asset at Debug: a 100-asset backfill is one start and one summary line at Information; progress is in
            // the run row (the dashboard) and the metrics.
            logger.LogDebug("Backfill run {RunId}: {Done}/{Assets} assets, {Points} points written ({Coin}: {Received} received, {Inserted} new, {Days} days)",
                run.RunId, progress.Done, progress.Assets, run.Counts.Inserted, work.Target.CoinId, counts.Fetched, counts.Inserted, work.Days);
        }

        var total = run.Counts;
        var status = total.Fetched > 0 && total.Quarantined == total.Fetched ? EtlRunStatus.Failed
            : total.Quarantined > 0 || plan.Unknown.Count > 0 ? EtlRunStatus.Partial
            : EtlRunStatus.Success;
        if (plan.Unknown.Count > 0)
        {
            return new RunVerdict(progress.Assets == 0 ? EtlRunStatus.Failed : status,
                $"no CoinGecko snapshot lists {string.Join(", ", plan.Unknown)}: run the coingecko snapshot first (it links an id to its asset)");
        }

        return status == EtlRunStatus.Failed
            ? new RunVerdict(status, $"every one of the {total.Fetched} points was quarantined")
            : new RunVerdict(status, null);
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

    /// <summary>Where the run stands, kept outside the body so a failed run still reports it.</summary>
    private sealed class Progress
    {
        public int Assets { get; set; }
        public int Done { get; set; }
        public int AlreadyComplete { get; set; }
        public RunScope? Scope { get; set; }
        public int Requests => Scope?.Requests ?? 0;
    }
}
