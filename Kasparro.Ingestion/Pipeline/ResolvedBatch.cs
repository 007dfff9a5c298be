using Kasparro.Ingestion.Sources;

namespace Kasparro.Ingestion.Pipeline;

/// <summary>
/// A batch's accepted records ready to write, with the canonical asset of each source id. Kept as the split made them
/// (<see cref="BatchSplit"/>): each record points at its source id by position, and the assets are resolved per source
/// id, so the writer looks nothing up by string per row and the batch holds no second list of its rows.
/// </summary>
/// <param name="Records">The accepted records, each with its values.</param>
/// <param name="SourceOf">For each record (same index), its source id's position in <paramref name="SourceIds"/>.</param>
/// <param name="SourceIds">The batch's source ids, each once.</param>
/// <param name="AssetIds">The asset each source id resolves to (same index as <paramref name="SourceIds"/>).</param>
public sealed record ResolvedBatch(IReadOnlyList<SourceRecord> Records, int[] SourceOf, IReadOnlyList<string> SourceIds, string[] AssetIds)
{
    /// <summary>The values of record <paramref name="row"/>.</summary>
    public MarketValues ValuesOf(int row) => Records[row].Values!;
}
