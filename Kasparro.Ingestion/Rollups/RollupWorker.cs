using Kasparro.Ingestion.Schema;
using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.Rollups;

/// <summary>
/// Keeps the rollups caught up in the long-running service: once the schema is migrated (the migration that added the
/// rollups queued every stored day), and then every <see cref="RollupOptions.Interval"/>, it records the queue's depth
/// and, while entries wait, runs rollup steps until it has taken them all; an emptied queue whose index grew large gives
/// its pages back (<see cref="RollupRefresher.ReleaseEmptiedQueueAsync"/>). Each run also refreshes after its batches
/// commit (<see cref="Pipeline.RunLifecycle"/>); this catches what no run took: entries of writes uncommitted when a step ran, a step that
/// failed or died, writes made outside the runs. Several replicas refreshing at once share the queue.
/// </summary>
public sealed partial class RollupWorker(RollupRefresher refresher, SchemaState schema, IOptions<RollupOptions> options, TimeProvider clock,
    ILogger<RollupWorker> logger) : PeriodicSchemaWork(schema, clock)
{
    protected override TimeSpan Interval => options.Value.Interval;

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        if (await refresher.QueueDepthAsync(cancellationToken) > 0)
        {
            await refresher.RefreshQueuedAsync(cancellationToken);
        }

        await refresher.ReleaseEmptiedQueueAsync(cancellationToken);
    }

    // The database may be away for a moment: the entries stay queued and the next tick tries again.
    protected override void LogFailure(Exception exception) => LogRefreshFailed(logger, exception.Message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the rollups failed ({Reason}); the queued days stay queued and are tried again at the next interval")]
    private static partial void LogRefreshFailed(ILogger logger, string reason);
}
