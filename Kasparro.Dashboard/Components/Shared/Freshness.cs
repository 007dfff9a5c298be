using Kasparro.Dashboard.Api;

namespace Kasparro.Dashboard.Components.Shared;

/// <summary>How fresh a source's data is, from the age of its last successful run.</summary>
public enum FreshnessLevel
{
    Fresh,
    Stale,
    Old,
    Never,
}

/// <summary>
/// Classifies a source by the age of its last success. Snapshot sources run every few minutes, so an hour
/// without a success is worth a look and six hours means the source is effectively down.
/// </summary>
public static class Freshness
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);
    public static readonly TimeSpan OldAfter = TimeSpan.FromHours(6);

    public static FreshnessLevel Classify(SourceStats stats, DateTimeOffset now) => stats.LastSuccess switch
    {
        null => FreshnessLevel.Never,
        var last when now - last < StaleAfter => FreshnessLevel.Fresh,
        var last when now - last < OldAfter => FreshnessLevel.Stale,
        _ => FreshnessLevel.Old,
    };

    public static Tone Tone(FreshnessLevel level) => level switch
    {
        FreshnessLevel.Fresh => Shared.Tone.Success,
        FreshnessLevel.Stale => Shared.Tone.Warning,
        FreshnessLevel.Old => Shared.Tone.Error,
        _ => Shared.Tone.Neutral,
    };

    public static string Label(FreshnessLevel level) => level switch
    {
        FreshnessLevel.Fresh => "fresh",
        FreshnessLevel.Stale => "stale",
        FreshnessLevel.Old => "old",
        _ => "no data yet",
    };
}
