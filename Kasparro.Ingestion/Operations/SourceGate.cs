using Kasparro.Data.Operations;
using Kasparro.Ingestion.Quality;
using Kasparro.Ingestion.Storage;
using Npgsql;

namespace Kasparro.Ingestion.Operations;

/// <summary>A source's run stopped on purpose: its <c>OnDrift</c> policy is <c>pause</c> and a batch showed breaking drift.</summary>
public sealed class SourcePausedException(string message) : Exception(message);

/// <summary>
/// The operator controls a run passes through: a paused source is refused, a full refresh forgets the source's
/// checkpoints first, and under <c>OnDrift = pause</c> a batch with breaking drift pauses the source before it is written.
/// </summary>
public sealed class SourceGate(NpgsqlDataSource dataSource, SourcePolicies policies, TimeProvider clock)
{
    /// <summary>The trigger recorded for a full refresh (<c>etl_runs.trigger</c>).</summary>
    public const string FullRefreshTrigger = "full-refresh";

    public DriftPolicy OnDrift(string source) => policies.For(source).OnDrift;

    /// <summary>Why the source may not run now (it is paused), or null.</summary>
    public async Task<string?> RefusalAsync(string source, CancellationToken cancellationToken)
    {
        var state = await SourcePauses.GetAsync(dataSource, source, cancellationToken);
        return state is { IsPaused: true }
            ? $"{source} is paused since {state.PausedAt:u} (run {state.PausedRunId}): {state.PauseReason}. Resume it with --resume-source {source} or POST /sources/{source}/resume."
            : null;
    }

    /// <summary>
    /// Forgets every checkpoint and watermark of the source (CSV file fingerprints and rows reached, CoinGecko's page to
    /// resume at), so the run reads everything again. History stays as it is: re-read observations count as unchanged.
    /// </summary>
    public Task<int> ForgetCheckpointsAsync(string source, CancellationToken cancellationToken) =>
        CheckpointStore.ForgetAsync(dataSource, source, cancellationToken);

    /// <summary>
    /// Under <c>OnDrift = pause</c>, pauses the source when the batch's drift is breaking and throws
    /// <see cref="SourcePausedException"/>, so nothing of the batch is written.
    /// </summary>
    public async Task PauseOnBreakingDriftAsync(string source, long runId, IEnumerable<(DriftObservation Observation, long Count)> drift, CancellationToken cancellationToken)
    {
        if (OnDrift(source) != DriftPolicy.Pause)
        {
            return;
        }

        var breaking = drift.Select(d => d.Observation).Where(DriftFindings.IsBreakingObservation).ToList();
        if (breaking.Count == 0)
        {
            return;
        }

        var reason = DriftFindings.Describe(breaking) + " (OnDrift = pause)";
        // The drift is recorded as in any run, so the Data quality page shows what paused the source.
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await DriftEventWriter.WriteAsync(connection, transaction, source, runId, drift, clock.GetUtcNow(), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await SourcePauses.PauseAsync(dataSource, source, reason, runId, clock.GetUtcNow(), cancellationToken);
        throw new SourcePausedException($"paused: {reason}");
    }
}
