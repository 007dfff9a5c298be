namespace Kasparro.Data.Entities;

/// <summary>Where a source's incremental processing stands; committed with the data it covers.</summary>
public class EtlCheckpoint
{
    /// <summary>Source, or source plus a sub-key (a CSV file, a backfilled asset).</summary>
    public required string Key { get; set; }
    public required string Source { get; set; }
    /// <summary>Newest source timestamp fully processed.</summary>
    public DateTimeOffset? Watermark { get; set; }
    /// <summary>Source-specific position, e.g. a CSV file's fingerprint and the row reached.</summary>
    public string? Position { get; set; }
    public long? RunId { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
