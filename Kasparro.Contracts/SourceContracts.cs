namespace Kasparro.Contracts;

/// <summary>
/// A source's freshness against its dbt-style targets (<c>Sources:{name}:Freshness</c>): <c>ok</c> below warn_after,
/// <c>warn</c> from warn_after, <c>error</c> from error_after or when it never succeeded. Ages are in seconds.
/// </summary>
public sealed record SourceFreshness(string Status, double? AgeSeconds, double WarnAfterSeconds, double ErrorAfterSeconds);

/// <summary>
/// One source for <c>GET /sources</c>: its drift policy, pause state and freshness, and how people name it and whether it
/// writes price snapshots (the dashboard's source list).
/// </summary>
public sealed record SourceControlItem(
    string Source,
    string OnDrift,
    bool Paused,
    DateTime? PausedAt,
    string? PauseReason,
    long? PausedRunId,
    DateTime? ResumedAt,
    string? ResumedBy,
    SourceFreshness Freshness,
    string DisplayName,
    bool Snapshot);

/// <summary>The body of <c>GET /sources</c>.</summary>
public sealed record SourceControlList(IReadOnlyList<SourceControlItem> Items);

/// <summary>The 200 body of <c>POST /sources/{source}/resume</c>: the pause that was lifted.</summary>
public sealed record SourceResumed(string Source, DateTime PausedAt, string? PauseReason, long? PausedRunId, DateTime ResumedAt, string ResumedBy);

/// <summary>How the expected interval of one source's series was found, and how many points it had in the range.</summary>
public sealed record SeriesCadence(string Source, long Points, double? ExpectedIntervalSeconds);

/// <summary>A hole in one source's series: two consecutive points <see cref="From"/> and <see cref="To"/> too far apart.</summary>
public sealed record HistoryGap(string Source, DateTime From, DateTime To, long MissingEstimate);

/// <summary>The body of <c>GET /assets/{id}/gaps</c>: the holes the backfill can fill, and the rule that found them.</summary>
public sealed record GapReport(string AssetId, DateTime From, DateTime To, string Rule, IReadOnlyList<SeriesCadence> Series, IReadOnlyList<HistoryGap> Gaps);
