using Kasparro.Ingestion.Quality;

namespace Kasparro.Ingestion.Sources;

/// <summary>
/// One upstream of market data. An adapter reads its upstream and turns every payload object into a
/// <see cref="SourceRecord"/> (normalized, or rejected with a reason); the pipeline does the rest.
/// A new source is a folder under <c>Sources/</c> holding its implementation, options, client and field set, and one
/// <c>AddXxxSource()</c> registration called from <c>IngestionServices</c>: nothing else changes.
/// </summary>
public interface IMarketSource
{
    /// <summary>The source tag stored with every record (see <c>SourceNames</c>).</summary>
    string Name { get; }

    /// <summary>What the source's ids allow when its rows are linked to canonical assets.</summary>
    SourceIdentity Identity { get; }

    /// <summary>Whether configuration enables it.</summary>
    bool Enabled { get; }

    /// <summary>Reads the upstream in batches; each batch is committed with the checkpoint position it carries.</summary>
    IAsyncEnumerable<SourceBatch> ReadAsync(SourceReadContext context, CancellationToken cancellationToken);
}
