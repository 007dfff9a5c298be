using Kasparro.Ingestion.Quality;
using Kasparro.Ingestion.Storage;
using Kasparro.Ingestion.Upstream;
using Npgsql;

namespace Kasparro.Ingestion.Pipeline;

/// <summary>A started run as its body sees it: its row, its request counters and the counts it has committed.</summary>
public sealed class RunContext(string source, long runId, RunScope scope, ILogger logger)
{
    public string Source { get; } = source;

    public long RunId { get; } = runId;

    /// <summary>Upstream requests and retries made by this run so far.</summary>
    public RunScope Scope { get; } = scope;

    /// <summary>What the committed batches did; a failed run still reports them.</summary>
    public BatchCounts Counts { get; private set; }

    /// <summary>
    /// Commits one batch in one transaction: the resolver's new assets and mappings, what <paramref name="write"/>
    /// writes, and the run row's counts, so the counts match the committed data exactly. When anything fails the
    /// transaction rolls back, the resolver forgets what it had not written, and the failure propagates.
    /// </summary>
    public async Task<BatchCounts> CommitBatchAsync(NpgsqlConnection connection, AssetResolver resolver, bool withRaisedMarketCaps,
        Func<NpgsqlTransaction, Task<BatchCounts>> write, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        BatchCounts counts;
        try
        {
            await AssetStore.WriteAsync(connection, transaction, resolver.TakeChanges(withRaisedMarketCaps), cancellationToken);
            counts = await write(transaction);
            await RunRecorder.AddCountsAsync(connection, transaction, RunId, counts, Scope.Requests, Scope.Retries, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            await TryReloadAsync(resolver, connection);
            throw;
        }

        Counts += counts;
        EtlTelemetry.RecordBatch(Source, counts);
        return counts;
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
}
