using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Kasparro.Ingestion.Quality;
using Kasparro.Ingestion.Sources;

namespace Kasparro.Ingestion.Pipeline;

/// <summary>A batch as read, with the schema drift seen while reading it and its records split for the writer.</summary>
public sealed record ReadBatch(SourceBatch Batch, IReadOnlyCollection<(DriftObservation Observation, long Count)> Drift, BatchSplit Split);

/// <summary>
/// Reads a source one batch ahead of the writer: parsing, validating and splitting the next batch (CPU in this process)
/// overlaps writing the current one (CPU in PostgreSQL), so a load uses both cores (docs/performance.md). Batches still arrive, and are
/// committed, strictly in order; at most one batch waits (and <see cref="WithNextAsync"/> holds one more). Each upstream
/// read is an <c>etl.extract</c> span.
/// </summary>
public static class BatchReadAhead
{
    public static async IAsyncEnumerable<ReadBatch> ReadAsync(IMarketSource source, SourceReadContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<ReadBatch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ExceptionDispatchInfo? failure = null;
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in ReadWithSpanAsync(source, context, stop.Token))
                {
                    // Drained here, on the reading side, so each batch carries exactly the drift of the rows read so far.
                    await channel.Writer.WriteAsync(new ReadBatch(batch, context.Drift.Drain(), BatchSplit.Of(batch)), stop.Token);
                }
            }
            catch (Exception) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // The writer stopped early (it failed, or the run is over): whatever the interrupted read threw is moot.
            }
            catch (Exception ex)
            {
                // Kept as thrown (a faulted channel would wrap it), so the run reports the source's own error.
                failure = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                channel.Writer.Complete();
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var batch in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return batch;
            }

            await reader;
            failure?.Throw();
        }
        finally
        {
            await stop.CancelAsync();
            await reader;
        }
    }

    /// <summary>
    /// Each batch with the one read after it (null for the last), so the writer knows what the next batch will
    /// change before it writes this one. One more batch is held in memory.
    /// </summary>
    public static async IAsyncEnumerable<(ReadBatch Current, ReadBatch? Next)> WithNextAsync(IAsyncEnumerable<ReadBatch> batches,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ReadBatch? held = null;
        await foreach (var batch in batches.WithCancellation(cancellationToken))
        {
            if (held is not null)
            {
                yield return (held, batch);
            }

            held = batch;
        }

        if (held is not null)
        {
            yield return (held, null);
        }
    }

    private static async IAsyncEnumerable<SourceBatch> ReadWithSpanAsync(IMarketSource source, SourceReadContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var enumerator = source.ReadAsync(context, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            using (var extract = EtlTelemetry.Activities.StartActivity("etl.extract"))
            {
                extract?.SetTag("etl.source", source.Name);
                if (!await enumerator.MoveNextAsync())
                {
                    yield break;
                }

                extract?.SetTag("etl.records", enumerator.Current.Records.Count);
            }

            yield return enumerator.Current;
        }
    }
}
