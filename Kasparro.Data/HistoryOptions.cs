using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace Kasparro.Data;

/// <summary>
/// Configuration section <c>History</c>: how the partitioned price history is kept (docs/operations.md "History retention").
/// Ingestion applies it (partition upkeep, retention); the API binds the same section to show the retention in
/// <c>GET /stats/history</c> (the AppHost forwards <c>History</c> to both).
/// </summary>
public sealed class HistoryOptions
{
    public const string Section = "History";

    /// <summary>How many months after the current one have their partition created ahead (the current month's always is).</summary>
    public int PartitionsAhead { get; set; } = 2;

    /// <summary>
    /// How long raw points are kept: a duration (<c>400.00:00:00</c>) or whole days (<c>400</c>); unset keeps everything.
    /// Whole monthly partitions that end before now minus this are dropped; see <see cref="RawRetentionPeriod"/>.
    /// </summary>
    public string? RawRetention { get; set; }

    /// <summary>
    /// After how long raw points are compacted (<see cref="HistoryCompaction"/>): a duration or whole days, like
    /// <see cref="RawRetention"/>; unset keeps every point as a row. Every month that ended before now minus this moves into
    /// per-series, per-day chunks; readers see the same points either way.
    /// </summary>
    public string? CompactAfter { get; set; }

    /// <summary><see cref="CompactAfter"/> as a duration; null compacts nothing. Only valid after <see cref="Register"/>'s validation.</summary>
    public TimeSpan? CompactAfterPeriod => TryParsePeriod(CompactAfter, out var period) ? period : null;

    /// <summary>How often partitions are created ahead, months compacted and retention applied (also once at start).</summary>
    public TimeSpan UpkeepInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The shortest retention or compaction age accepted: anything shorter is taken for a typo (hours for days).</summary>
    public static readonly TimeSpan ShortestRetention = TimeSpan.FromDays(1);

    /// <summary><see cref="RawRetention"/> as a duration; null keeps everything. Only valid after <see cref="Register"/>'s validation.</summary>
    public TimeSpan? RawRetentionPeriod => TryParsePeriod(RawRetention, out var period) ? period : null;

    /// <summary>Reads a period setting: empty is unset (true, null), whole days or a <see cref="TimeSpan"/> otherwise.</summary>
    public static bool TryParsePeriod(string? text, out TimeSpan? period)
    {
        period = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var days))
        {
            period = TimeSpan.FromDays(days);
            return true;
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed))
        {
            period = parsed;
            return true;
        }

        return false;
    }

    /// <summary>Binds and validates the section at start, naming the key and the accepted forms in the error.</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddOptions<HistoryOptions>().BindConfiguration(Section)
            .Validate(o => TryParsePeriod(o.RawRetention, out var period) && (period is null || period >= ShortestRetention),
                $"{Section}:RawRetention must be unset (keep everything), whole days (e.g. 400) or a duration (e.g. 400.00:00:00) of at least one day")
            .Validate(o => TryParsePeriod(o.CompactAfter, out var period) && (period is null || period >= ShortestRetention),
                $"{Section}:CompactAfter must be unset (compact nothing), whole days (e.g. 60) or a duration (e.g. 60.00:00:00) of at least one day")
            .Validate(o => o.PartitionsAhead is >= 0 and <= 24, $"{Section}:PartitionsAhead must be 0 to 24 months")
            .Validate(o => o.UpkeepInterval >= TimeSpan.FromSeconds(1) && o.UpkeepInterval <= TimeSpan.FromDays(7),
                $"{Section}:UpkeepInterval must be from 00:00:01 to 7.00:00:00")
            .ValidateOnStart();
    }
}
