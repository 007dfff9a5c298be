namespace Kasparro.Ingestion.Quality;

/// <summary>
/// A drift event as written by <see cref="Storage.DriftEventWriter.WriteAsync"/>: <c>Count</c> is the total across runs,
/// <c>CountThisRun</c> what this write added, <c>IsNew</c> the first sighting ever, <c>IsChanged</c> a new severity or suggestion.
/// </summary>
public sealed record StoredDriftEvent(
    string Source, string Field, string Kind, string Severity, string? Suggestion, decimal? Confidence,
    long Count, long CountThisRun, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, bool IsNew, bool IsChanged);
