namespace Kasparro.Contracts;

/// <summary>One ETL run with the counts that account for every record it fetched.</summary>
public sealed record RunItem(
    long Id,
    string Source,
    string Status,
    string Trigger,
    string? TriggerId,
    DateTime StartedAt,
    DateTime? FinishedAt,
    long? DurationMs,
    int Fetched,
    int Inserted,
    int Updated,
    int Unchanged,
    int Quarantined,
    int Requests,
    int Retries,
    string? ErrorMessage,
    string? Worker);

/// <summary><c>GET /runs/{id}</c>: the run, its drift events and the first quarantined records.</summary>
public sealed record RunDetail(
    long Id,
    string Source,
    string Status,
    string Trigger,
    string? TriggerId,
    DateTime StartedAt,
    DateTime? FinishedAt,
    long? DurationMs,
    int Fetched,
    int Inserted,
    int Updated,
    int Unchanged,
    int Quarantined,
    int Requests,
    int Retries,
    string? ErrorMessage,
    string? Worker,
    IReadOnlyList<DriftItem> Drift,
    IReadOnlyList<QuarantineItem> QuarantinedRecords,
    long QuarantinedTotal);

/// <summary>A numeric field of two runs side by side; <c>percent</c> is null when run a's value is zero or missing.</summary>
public sealed record NumericDifference(long? A, long? B, long? Delta, double? Percent);

/// <summary>A text field of two runs side by side.</summary>
public sealed record TextDifference(string? A, string? B);

/// <summary>Every compared field of <c>GET /compare-runs</c>.</summary>
public sealed record RunDifferences(
    NumericDifference Fetched,
    NumericDifference Inserted,
    NumericDifference Updated,
    NumericDifference Unchanged,
    NumericDifference Quarantined,
    NumericDifference DurationMs,
    TextDifference Status,
    TextDifference ErrorMessage);

/// <summary>Something about run b that deserves a look, e.g. <c>record_drop</c>.</summary>
public sealed record RunAnomaly(string Kind, string Detail);

/// <summary><c>GET /compare-runs</c>: two runs, their differences and the anomalies found.</summary>
public sealed record RunComparison(RunItem RunA, RunItem RunB, RunDifferences Differences, IReadOnlyList<RunAnomaly> Anomalies);

/// <summary>ETL figures of one source for <c>GET /stats</c>.</summary>
public sealed record SourceStats(
    DateTime? LastSuccess,
    DateTime? LastFailure,
    long? LastDurationMs,
    long TotalRuns,
    long SuccessfulRuns,
    long FailedRuns,
    long TotalProcessed,
    long TotalFailed,
    long TotalQuarantined,
    string State,
    long? CurrentRunId,
    BackfillProgress? Backfill,
    SourceFreshness? Freshness = null);

/// <summary>How far the history backfill has come (only on <c>coingecko-history</c>).</summary>
public sealed record BackfillProgress(long AssetsComplete, long PointsWritten);
