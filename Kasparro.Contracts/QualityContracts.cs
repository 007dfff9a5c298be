namespace Kasparro.Contracts;

/// <summary>A schema drift event: a field a source added, dropped or renamed.</summary>
public sealed record DriftItem(
    long Id,
    string Source,
    string Field,
    string Kind,
    string Severity,
    string? Suggestion,
    decimal? Confidence,
    DateTime FirstSeen,
    DateTime LastSeen,
    long Count,
    long? FirstRunId,
    long? LastRunId);

/// <summary>An input record that failed validation, with its raw content.</summary>
public sealed record QuarantineItem(
    long Id,
    string Source,
    long? RunId,
    string? SourceId,
    string? Location,
    string Reason,
    string RawContent,
    DateTime QuarantinedAt);
