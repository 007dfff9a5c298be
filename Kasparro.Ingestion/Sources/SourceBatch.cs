namespace Kasparro.Ingestion.Sources;

/// <summary>
/// A slice of a source's data committed in one transaction, together with the checkpoint position that is
/// true once it is committed (e.g. "page 3 done", "file X row 40000 done").
/// </summary>
/// <param name="Records">The batch's records, accepted and rejected, in source order.</param>
/// <param name="Checkpoint">The position that is true once the batch is committed.</param>
/// <param name="RawChunk">
/// The batch's raw data as one payload, for sources whose natural raw unit is larger than a record (a CSV file's
/// lines). When null, every record's own payload is kept in <c>raw_records</c>.
/// </param>
public sealed record SourceBatch(IReadOnlyList<SourceRecord> Records, CheckpointUpdate Checkpoint, RawPayload? RawChunk = null);

/// <summary>A checkpoint row to write with a batch: its key (the source, or the source and a file) and position.</summary>
public sealed record CheckpointUpdate(string Key, string? Position);
