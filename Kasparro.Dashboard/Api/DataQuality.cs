namespace Kasparro.Dashboard.Api;

/// <summary>A schema drift event (<c>GET /drift</c>).</summary>
public sealed record DriftEvent
{
    public long Id { get; init; }
    public string Source { get; init; } = "";
    public string Field { get; init; } = "";
    public string Kind { get; init; } = "";
    public string? Severity { get; init; }
    public string? Suggestion { get; init; }
    public decimal? Confidence { get; init; }
    public DateTimeOffset FirstSeen { get; init; }
    public DateTimeOffset LastSeen { get; init; }
    public long Count { get; init; }
    public long? FirstRunId { get; init; }
    public long? LastRunId { get; init; }
}

/// <summary>A record set aside because it could not be loaded (<c>GET /quarantine</c>).</summary>
public sealed record QuarantinedRecord
{
    public long Id { get; init; }
    public string Source { get; init; } = "";
    public long? RunId { get; init; }
    public string? SourceId { get; init; }
    public string? Location { get; init; }
    public string Reason { get; init; } = "";
    public string? RawContent { get; init; }
    public DateTimeOffset QuarantinedAt { get; init; }
}

/// <summary>The drift kinds the API filters on.</summary>
public static class DriftKinds
{
    public static readonly IReadOnlyList<string> All = ["missing_required", "missing_optional", "unknown_field", "renamed"];
}
