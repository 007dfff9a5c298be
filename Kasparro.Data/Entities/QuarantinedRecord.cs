namespace Kasparro.Data.Entities;

/// <summary>An input record that failed validation, kept with its raw content and a reason a person can read.</summary>
public class QuarantinedRecord
{
    public long Id { get; set; }
    public required string Source { get; set; }
    public long? RunId { get; set; }
    public string? SourceId { get; set; }
    /// <summary>Where in the input it was (e.g. <c>prices.csv:17</c>, <c>page 3 item 42</c>).</summary>
    public string? Location { get; set; }
    public required string Reason { get; set; }
    public required string RawContent { get; set; }
    public DateTimeOffset QuarantinedAt { get; set; }
}
