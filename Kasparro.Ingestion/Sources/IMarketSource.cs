namespace Kasparro.Ingestion.Sources;

/// <summary>
/// One upstream of market data. An adapter reads its upstream and turns every payload object into a
/// <see cref="SourceRecord"/> (normalized, or rejected with a reason); the pipeline does the rest.
/// A new source is a new implementation registered in DI: nothing else changes.
/// </summary>
public interface IMarketSource
{
    /// <summary>The source tag stored with every record (see <c>SourceNames</c>).</summary>
    string Name { get; }

    /// <summary>Whether configuration enables it.</summary>
    bool Enabled { get; }

    /// <summary>Reads the upstream in batches; each batch is committed with the checkpoint position it carries.</summary>
    IAsyncEnumerable<SourceBatch> ReadAsync(SourceReadContext context, CancellationToken cancellationToken);
}
