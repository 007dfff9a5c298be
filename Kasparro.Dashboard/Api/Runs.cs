namespace Kasparro.Dashboard.Api;

/// <summary>One ETL run as <c>GET /runs</c> returns it.</summary>
public record EtlRun
{
    public long Id { get; init; }
    public string Source { get; init; } = "";
    public string Status { get; init; } = "";
    public string? Trigger { get; init; }
    public string? TriggerId { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public long? DurationMs { get; init; }
    public long Fetched { get; init; }
    public long Inserted { get; init; }
    public long Updated { get; init; }
    public long Unchanged { get; init; }
    public long Quarantined { get; init; }
    public int Requests { get; init; }
    public int Retries { get; init; }
    public string? ErrorMessage { get; init; }
    public string? Worker { get; init; }
}

/// <summary><c>GET /runs/{id}</c>: the run with its drift events and quarantined records.</summary>
public sealed record EtlRunDetail : EtlRun
{
    public IReadOnlyList<DriftEvent> Drift { get; init; } = [];
    public IReadOnlyList<QuarantinedRecord> QuarantinedRecords { get; init; } = [];
    public long QuarantinedTotal { get; init; }
}

/// <summary>A numeric field of two runs side by side (<c>differences.fetched</c> etc.).</summary>
public sealed record NumericDifference(decimal? A, decimal? B, decimal? Delta, decimal? Percent);

/// <summary>A text field of two runs side by side (<c>differences.status</c>, <c>differences.error_message</c>).</summary>
public sealed record TextDifference(string? A, string? B);

/// <summary>The <c>differences</c> block of <c>GET /compare-runs</c>.</summary>
public sealed record RunDifferences
{
    public NumericDifference? Fetched { get; init; }
    public NumericDifference? Inserted { get; init; }
    public NumericDifference? Updated { get; init; }
    public NumericDifference? Unchanged { get; init; }
    public NumericDifference? Quarantined { get; init; }
    public NumericDifference? DurationMs { get; init; }
    public TextDifference? Status { get; init; }
    public TextDifference? ErrorMessage { get; init; }
}

/// <summary>Something unusual between two runs (<c>record_drop</c>, <c>slow_run</c>, ...).</summary>
public sealed record RunAnomaly(string Kind, string Detail);

/// <summary><c>GET /compare-runs</c>.</summary>
public sealed record RunComparison(EtlRun RunA, EtlRun RunB, RunDifferences Differences, IReadOnlyList<RunAnomaly> Anomalies);

/// <summary>The 202 answer of <c>POST /trigger-etl</c>.</summary>
public sealed record TriggerAccepted(string TriggerId, string Status, IReadOnlyList<string> Sources, DateTimeOffset RequestedAt);
