namespace Kasparro.Data.Entities;

/// <summary>
/// Whether a source may run: a source whose <c>OnDrift</c> policy is <c>pause</c> is paused here on breaking schema drift
/// and stays paused (across restarts and replicas) until an operator resumes it. One row per source that was ever paused.
/// </summary>
public class SourceState
{
    public required string Source { get; set; }
    /// <summary>When the source was last paused; null while it was never paused.</summary>
    public DateTimeOffset? PausedAt { get; set; }
    /// <summary>Why, in words an operator can act on (which fields drifted, which run saw it).</summary>
    public string? PauseReason { get; set; }
    /// <summary>The run that paused it.</summary>
    public long? PausedRunId { get; set; }
    /// <summary>When an operator last resumed it; the source is paused while this is null or older than <see cref="PausedAt"/>.</summary>
    public DateTimeOffset? ResumedAt { get; set; }
    /// <summary>Who resumed it (<c>cli</c>, <c>api</c>).</summary>
    public string? ResumedBy { get; set; }

    /// <summary>Paused and not resumed since.</summary>
    public bool IsPaused => PausedAt is { } paused && (ResumedAt is not { } resumed || resumed < paused);
}
