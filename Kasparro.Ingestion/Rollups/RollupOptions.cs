using System.ComponentModel.DataAnnotations;

namespace Kasparro.Ingestion.Rollups;

/// <summary>Configuration section <c>Rollups</c>: how the rollup step (<see cref="RollupRefresher"/>) takes its work.</summary>
public sealed class RollupOptions
{
    public const string Section = "Rollups";

    /// <summary>
    /// Queued (series, UTC day) entries one step recomputes in one transaction. The entries stay locked until it
    /// commits, and a writer of the same day waits for that, so a step is kept short (a few hundred ms).
    /// </summary>
    [Range(1, 100_000)]
    public int SeriesDaysPerStep { get; set; } = 1_000;

    /// <summary>How often the service looks for queued entries that no run's own rollup step took (and after a failure).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);
}
