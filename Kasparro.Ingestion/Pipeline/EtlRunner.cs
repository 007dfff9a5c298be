using Kasparro.Data.Entities;
using Kasparro.Ingestion.Alerts;
using Kasparro.Ingestion.Operations;
using Kasparro.Ingestion.Options;
using Kasparro.Ingestion.Quality;
using Kasparro.Ingestion.Sources;
using Kasparro.Ingestion.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Ingestion.Pipeline;

/// <summary>
/// Runs one snapshot source end to end inside the <see cref="RunLifecycle"/>: reads the source batch by batch, resolves
/// assets, writes each batch (data, quarantine, drift, checkpoint and run counts in one transaction) and says how the
/// run went; then evaluates the alert rules. A crash loses no committed batch and the next run resumes from the checkpoint.
/// </summary>
public sealed class EtlRunner(
    NpgsqlDataSource dataSource,
    IEnumerable<IMarketSource> sources,
    RunLifecycle lifecycle,
    AlertEvaluator alerts,
    AssetOverrides overrides,
    SourceGate gate,
    IOptions<EtlOptions> etlOptions,
    TimeProvider clock,
    ILogger<EtlRunner> logger)
{
    private static readonly IReadOnlyDictionary<string, DateTimeOffset> NoObservations = new Dictionary<string, DateTimeOffset>();

    public IReadOnlyList<IMarketSource> Sources { get; } = sources.ToList();

    /// <summary>Runs one source; a <paramref name="fullRefresh"/> forgets its checkpoints first and is recorded with trigger <c>full-refresh</c>.</summary>
    public async Task<RunOutcome> RunAsync(string sourceName, string trigger, string? triggerId, CancellationToken cancellationToken, bool fullRefresh = false)
    {
        var source = Sources.FirstOrDefault(s => s.Name == sourceName)
            ?? throw new ArgumentException($"Unknown source '{sourceName}'. Known: {string.Join(", ", Sources.Select(s => s.Name))}.", nameof(sourceName));

        var body = new RunBody(source.Name, (run, token) => ProcessAsync(source, run, token))
        {
            AdmitAsync = (asked, token) => AdmitAsync(source.Name, asked, fullRefresh, token),
        };
        var outcome = await lifecycle.RunAsync(body, trigger, triggerId, cancellationToken);
        if (outcome.RunId is { } runId)
        {
            await alerts.EvaluateAfterRunAsync(source.Name, runId);
        }

        return outcome;
    }

    /// <summary>A paused source is refused; a full refresh forgets the source's checkpoints and is recorded as such.</summary>
    private async Task<RunAdmission> AdmitAsync(string source, string trigger, bool fullRefresh, CancellationToken cancellationToken)
    {
        if (await gate.RefusalAsync(source, cancellationToken) is { } paused)
        {
            return RunAdmission.Refuse(RunOutcome.Paused, paused);
        }

        if (!fullRefresh)
        {
            return RunAdmission.Start(trigger);
        }

        var forgotten = await gate.ForgetCheckpointsAsync(source, cancellationToken);
        logger.LogInformation("Full refresh of {Source}: forgot {Count} checkpoint(s)", source, forgotten);
        return RunAdmission.Start(SourceGate.FullRefreshTrigger);
    }

    private async Task<RunVerdict> ProcessAsync(IMarketSource source, RunContext run, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var checkpoints = await CheckpointStore.LoadAsync(connection, source.Name, cancellationToken);
        var context = new SourceReadContext(run.RunId, checkpoints, clock.GetUtcNow()) { OnDrift = gate.OnDrift(source.Name) };
        var resolver = new AssetResolver(await AssetStore.LoadAsync(connection, cancellationToken), overrides, clock);
        var failAfter = etlOptions.Value.FailAfterRecords;

        await foreach (var ((batch, batchDrift, split), next) in BatchReadAhead.WithNextAsync(BatchReadAhead.ReadAsync(source, context, cancellationToken), cancellationToken))
        {
            await gate.PauseOnBreakingDriftAsync(source.Name, run.RunId, batchDrift, cancellationToken);
            using var load = EtlTelemetry.Activities.StartActivity("etl.load");
            var (resolved, rejected, raw) = ResolveBatch(batch, split, source, resolver);
            // The next batch's newest observations count only when it continues the same file or position.
            IReadOnlyDictionary<string, DateTimeOffset> newerInNextBatch = next is not null && next.Batch.Checkpoint.Key == batch.Checkpoint.Key
                ? next.Split.Newest
                : NoObservations;
            // A file's last batch (for an API source, the run's): per-file state is written with it.
            var endsFile = next is null || next.Batch.Checkpoint.Key != batch.Checkpoint.Key;

            var now = clock.GetUtcNow();
            IReadOnlyList<StoredDriftEvent> drift = [];
            var counts = await run.CommitBatchAsync(connection, resolver, withRaisedMarketCaps: endsFile, async transaction =>
            {
                var written = await BulkWriter.WriteAsync(connection, transaction, source.Name, run.RunId, resolved, rejected, raw, isBackfill: false, newerInNextBatch, now, cancellationToken);
                drift = await DriftEventWriter.WriteAsync(connection, transaction, source.Name, run.RunId, batchDrift, now, cancellationToken);
                // The newest accepted observation, from the split's newest per source id: a few thousand values, not a pass over every row.
                var watermark = split.Newest.Count > 0 ? split.Newest.Values.Max() : (DateTimeOffset?)null;
                await CheckpointStore.WriteAsync(connection, transaction, source.Name, batch.Checkpoint.Key, batch.Checkpoint.Position, watermark, run.RunId, now, cancellationToken);
                return written;
            }, cancellationToken);

            SchemaDriftLog.Log(logger, run.RunId, drift);
            load?.SetTag("etl.records", counts.Fetched);

            if (failAfter is { } limit && run.Counts.Fetched >= limit)
            {
                throw new InvalidOperationException($"fault injection: failing after {run.Counts.Fetched} records (Etl:FailAfterRecords={limit})");
            }
        }

        var total = run.Counts;
        return total.Fetched > 0 && total.Quarantined == total.Fetched
            ? new RunVerdict(EtlRunStatus.Failed, $"every one of the {total.Fetched} records was quarantined")
            : new RunVerdict(total.Quarantined > 0 ? EtlRunStatus.Partial : EtlRunStatus.Success, null);
    }

    /// <summary>
    /// The accepted records of a batch (split on the reading side) with their canonical assets, the rejected records and
    /// the raw payloads. Each source id is resolved once per batch, from its record with the largest market cap.
    /// </summary>
    private static (ResolvedBatch Resolved, List<SourceRecord> Rejected, IReadOnlyList<RawPayload> Raw) ResolveBatch(
        SourceBatch batch, BatchSplit split, IMarketSource source, AssetResolver resolver)
    {
        var (accepted, sourceIds, largest) = (split.Accepted, split.SourceIds, split.Largest);
        var candidates = new AssetCandidate[sourceIds.Count];
        for (var i = 0; i < candidates.Length; i++)
        {
            var values = largest[i];
            candidates[i] = new AssetCandidate(source.Name, sourceIds[i], values.Ticker, values.Name, values.MarketCapUsd, values.Rank, source.Identity);
        }

        var assets = resolver.ResolveAll(candidates);
        var assetIds = new string[sourceIds.Count];
        for (var i = 0; i < assetIds.Length; i++)
        {
            assetIds[i] = assets[(source.Name, sourceIds[i])];
        }

        IReadOnlyList<RawPayload> raw = batch.RawChunk is { } chunk
            ? [chunk]
            : accepted.ConvertAll(r => new RawPayload(r.SourceId!, r.Values!.ObservedAt, r.RawPayload));
        return (new ResolvedBatch(accepted, split.SourceOf, sourceIds, assetIds), split.Rejected, raw);
    }
}
