namespace Kasparro.Contracts;

/// <summary>
/// <c>GET /stats/history</c>: how much price history is stored and how it is kept. <c>raw_retention_seconds</c> is null when
/// everything is kept; the observation times are null while nothing is stored; sizes count tables, indexes and TOAST of
/// the monthly partitions (created ahead ones included).
/// </summary>
public sealed record HistoryStats(
    double? RawRetentionSeconds,
    DateTime? OldestObservedAt,
    DateTime? NewestObservedAt,
    int Partitions,
    long TotalBytes,
    RetentionDrop? LastRetentionDrop);

/// <summary>The latest retention run that dropped partitions: when, and the months (<c>yyyy-MM</c>, oldest first) it dropped.</summary>
public sealed record RetentionDrop(DateTime At, IReadOnlyList<string> Months);
