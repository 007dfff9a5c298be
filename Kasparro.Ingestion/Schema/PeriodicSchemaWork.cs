namespace Kasparro.Ingestion.Schema;

/// <summary>
/// A background loop that waits until the schema is migrated, then runs <see cref="RunOnceAsync"/> at once and every
/// <see cref="Interval"/> (on <see cref="TimeProvider"/>'s clock). A failed round (the database away for a moment) is
/// handed to <see cref="LogFailure"/> and the next tick tries again; only stopping ends the loop.
/// </summary>
public abstract class PeriodicSchemaWork(SchemaState schema, TimeProvider clock) : BackgroundService
{
    /// <summary>The time between two rounds.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>One round of the work.</summary>
    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    /// <summary>Logs a failed round; the loop goes on.</summary>
    protected abstract void LogFailure(Exception exception);

    /// <inheritdoc />
    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WhenReady.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailure(exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
