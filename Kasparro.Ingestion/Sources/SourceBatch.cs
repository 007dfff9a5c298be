namespace Kasparro.Ingestion.Sources;

/// <summary>
/// A slice of a source's data committed in one transaction, together with the checkpoint position that is
/// true once it is committed (e.g. "page 3 done", "file X row 40000 done").
/// </summary>
public sealed record SourceBatch(IReadOnlyList<SourceRecord> Records, CheckpointUpdate Checkpoint);

/// <summary>A checkpoint row to write with a batch: its key (the source, or the source and a file) and position.</summary>
public sealed record CheckpointUpdate(string Key, string? Position);
