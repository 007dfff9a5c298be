using Kasparro.Ingestion.Sources;

namespace Kasparro.Ingestion.Pipeline;

/// <summary>
/// A normalized record ready to write, with its canonical asset. A struct: a batch holds 20,000 of them in one array
/// instead of 20,000 more objects for the GC to trace while the batch is alive.
/// </summary>
public readonly record struct ResolvedRecord(string SourceId, string AssetId, MarketValues Values);
