using Microsoft.Extensions.Logging;

namespace Kasparro.Ingestion.Quality;

/// <summary>
/// Structured log lines for schema drift: the first time a drift (or a new suggestion for it) is seen, a warning for a
/// warning or critical drift and an information line for an info one (a field the adapter does not read: real payloads
/// carry several, docs/real-payloads.md); debug after.
/// </summary>
public static partial class SchemaDriftLog
{
    /// <summary>Logs each written event; recurring ones stay at debug so a run does not repeat yesterday's warnings.</summary>
    public static void Log(ILogger logger, long runId, IEnumerable<StoredDriftEvent> events)
    {
        foreach (var e in events)
        {
            if (e.IsNew || e.IsChanged)
            {
                DriftDetected(logger, e.Severity == DriftSeverity.Info ? LogLevel.Information : LogLevel.Warning, e.Source, e.Field, e.Kind, e.Severity, e.Suggestion, e.Confidence, e.CountThisRun, runId, e.IsNew);
            }
            else
            {
                DriftRecurring(logger, e.Source, e.Field, e.Kind, e.Severity, e.CountThisRun, e.Count, runId);
            }
        }
    }

    [LoggerMessage(EventId = 4001,
        Message = "Schema drift in {Source}: {Kind} field {Field} ({Severity}), suggestion {Suggestion}, confidence {Confidence}; {CountThisRun} records in run {RunId} (new: {IsNew})")]
    private static partial void DriftDetected(ILogger logger, LogLevel level, string source, string field, string kind, string severity,
        string? suggestion, decimal? confidence, long countThisRun, long runId, bool isNew);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug,
        Message = "Schema drift in {Source} seen again: {Kind} field {Field} ({Severity}); {CountThisRun} records in run {RunId}, {Count} in total")]
    private static partial void DriftRecurring(ILogger logger, string source, string field, string kind, string severity,
        long countThisRun, long count, long runId);
}
