namespace Kasparro.Dashboard.Api;

/// <summary>One source of <c>GET /sources</c>: its schema-drift policy, whether it is paused and why, and its freshness.</summary>
public sealed record SourceControl
{
    public string Source { get; init; } = "";
    /// <summary><c>evolve</c>, <c>quarantine</c> or <c>pause</c>.</summary>
    public string OnDrift { get; init; } = "";
    public bool Paused { get; init; }
    public DateTimeOffset? PausedAt { get; init; }
    public string? PauseReason { get; init; }
    public long? PausedRunId { get; init; }
    public DateTimeOffset? ResumedAt { get; init; }
    public string? ResumedBy { get; init; }
    public SourceFreshness? Freshness { get; init; }
    /// <summary>The source's name for people.</summary>
    public string DisplayName { get; init; } = "";
    /// <summary>Whether it writes price snapshots.</summary>
    public bool Snapshot { get; init; }
}

/// <summary>The body of <c>GET /sources</c>.</summary>
public sealed record SourceControlList
{
    public IReadOnlyList<SourceControl> Items { get; init; } = [];
}

/// <summary>What came of pressing "Resume": whether the source runs again, and a message a person can act on.</summary>
public sealed record ResumeOutcome(bool Resumed, string Message);
