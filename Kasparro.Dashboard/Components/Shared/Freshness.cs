using Kasparro.Contracts;
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
/// Classifies a source by the age of its last success against the source's freshness targets, which the API sends with
/// <c>/stats</c> (<c>Sources:{name}:Freshness:{WarnAfter,ErrorAfter}</c>): fresh below WarnAfter, stale from it, old from
/// ErrorAfter. The age is measured with the dashboard's clock, so a card ages between refreshes.
/// </summary>
public static class Freshness
{
    /// <summary>Used only when an API sends no targets (one older than the freshness targets).</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);
    public static readonly TimeSpan OldAfter = TimeSpan.FromHours(6);

    public static (TimeSpan WarnAfter, TimeSpan ErrorAfter) Targets(SourceStats stats) => stats.Freshness is { WarnAfterSeconds: > 0 } targets
        ? (TimeSpan.FromSeconds(targets.WarnAfterSeconds), TimeSpan.FromSeconds(targets.ErrorAfterSeconds))
        : (StaleAfter, OldAfter);

    public static FreshnessLevel Classify(SourceStats stats, DateTimeOffset now)
    {
        var (warnAfter, errorAfter) = Targets(stats);
        return stats.LastSuccess switch
        {
            null => FreshnessLevel.Never,
            var last when now - last < warnAfter => FreshnessLevel.Fresh,
            var last when now - last < errorAfter => FreshnessLevel.Stale,
            _ => FreshnessLevel.Old,
        };
    }

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
