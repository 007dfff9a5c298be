using System.Text.Json;

namespace Kasparro.Data.Entities;

/// <summary>One payload object exactly as a source sent it; the same content is stored once.</summary>
public class RawRecord
{
    public long Id { get; set; }
    public required string Source { get; set; }
    public required string SourceId { get; set; }
    public DateTimeOffset? SourceTimestamp { get; set; }
    /// <summary>SHA-256 of the payload text, hex.</summary>
    public required string ContentHash { get; set; }
    public required JsonDocument Payload { get; set; }
    public long? RunId { get; set; }
    public DateTimeOffset IngestedAt { get; set; }
}
