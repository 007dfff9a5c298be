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
    /// <summary>The source's freshness targets and status as the API judges them (<c>Sources:{name}:Freshness</c>).</summary>
    public SourceFreshness? Freshness { get; init; }
}

/// <summary>A source's freshness against its targets, as <c>GET /stats</c> and <c>GET /sources</c> report it.</summary>
public sealed record SourceFreshness
{
    /// <summary><c>ok</c>, <c>warn</c> or <c>error</c>.</summary>
    public string Status { get; init; } = "";
    public double? AgeSeconds { get; init; }
    public double WarnAfterSeconds { get; init; }
    public double ErrorAfterSeconds { get; init; }
}
