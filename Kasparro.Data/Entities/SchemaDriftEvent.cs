using Kasparro.Contracts;

namespace Kasparro.Data.Entities;

/// <summary>A difference between a source's payload and the field set we expect, de-duplicated across runs.</summary>
public class SchemaDriftEvent
{
    public long Id { get; set; }
    public required string Source { get; set; }
    public required string Field { get; set; }
    /// <summary>One of <see cref="DriftKinds"/>.</summary>
    public required string Kind { get; set; }
    /// <summary><c>critical</c>, <c>warning</c> or <c>info</c>.</summary>
    public required string Severity { get; set; }
    /// <summary>For a renamed field: the expected field it most likely replaces.</summary>
    public string? Suggestion { get; set; }
    public decimal? Confidence { get; set; }
    public DateTimeOffset FirstSeen { get; set; }
    public DateTimeOffset LastSeen { get; set; }
    public long Count { get; set; }
    public long? FirstRunId { get; set; }
    public long? LastRunId { get; set; }
}
