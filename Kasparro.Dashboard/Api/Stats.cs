namespace Kasparro.Dashboard.Api;

/// <summary>One source's entry in <c>GET /stats</c>.</summary>
public sealed record SourceStats
{
    public DateTimeOffset? LastSuccess { get; init; }
    public DateTimeOffset? LastFailure { get; init; }
    public long? LastDurationMs { get; init; }
    public long TotalRuns { get; init; }
    public long SuccessfulRuns { get; init; }
    public long FailedRuns { get; init; }
    public long TotalProcessed { get; init; }
    public long TotalFailed { get; init; }
    public long TotalQuarantined { get; init; }
    public string State { get; init; } = "idle";
    public long? CurrentRunId { get; init; }
}
