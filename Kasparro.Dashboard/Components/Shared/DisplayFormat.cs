using System.Globalization;

namespace Kasparro.Dashboard.Components.Shared;

/// <summary>How numbers, money and times read on every page (invariant culture; times in UTC or local time, as <see cref="DisplayTime"/> says).</summary>
public static class DisplayFormat
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static string Usd(decimal? value) => value switch
    {
        null => "—",
        >= 1 or <= -1 => value.Value.ToString("$#,##0.00", Culture),
        0 => "$0",
        _ => "$" + value.Value.ToString("0.########", Culture),
    };

    /// <summary>Large amounts (market cap, volume) as $1.66T, $21.4B, $3.2M.</summary>
    public static string CompactUsd(decimal? value)
    {
        if (value is not { } v)
        {
            return "—";
        }

        var abs = Math.Abs(v);
        return abs switch
        {
            >= 1_000_000_000_000m => (v / 1_000_000_000_000m).ToString("$0.##", Culture) + "T",
            >= 1_000_000_000m => (v / 1_000_000_000m).ToString("$0.##", Culture) + "B",
            >= 1_000_000m => (v / 1_000_000m).ToString("$0.##", Culture) + "M",
            _ => Usd(v),
        };
    }

    public static string Percent(decimal? value, int decimals = 2) =>
        value is null ? "—" : value.Value.ToString("+0." + new string('0', decimals) + ";-0." + new string('0', decimals) + ";0", Culture) + "%";

    /// <summary>A percentage the API computes in floating point (divergences, returns); shown like any other.</summary>
    public static string Percent(double? value, int decimals = 2) => Percent((decimal?)value, decimals);

    public static string Count(long value) => value.ToString("#,##0", Culture);

    public static string Duration(long? milliseconds) => milliseconds switch
    {
        null => "—",
        < 1000 => $"{milliseconds} ms",
        < 60_000 => (milliseconds.Value / 1000m).ToString("0.0", Culture) + " s",
        _ => TimeSpan.FromMilliseconds(milliseconds.Value).ToString(@"m\:ss", Culture) + " min",
    };

    /// <summary>"2025-03-29 10:22:50 UTC", or in local time "2025-03-29 11:22:50 UTC+01:00": the one place times are formatted.</summary>
    public static string Time(DateTimeOffset? value, DisplayTime time) =>
        value is null ? "—" : time.WallClock(value.Value).ToString("yyyy-MM-dd HH:mm:ss", Culture) + " " + time.Suffix(value.Value);

    /// <summary>"03-29 10:22" for compact lists (the full time goes in the title).</summary>
    public static string ShortTime(DateTimeOffset value, DisplayTime time) => time.WallClock(value).ToString("MM-dd HH:mm", Culture);

    /// <summary>A threshold such as a freshness target: "30 min", "2 h", "1 d", "1 h 30 min".</summary>
    public static string Span(TimeSpan span) => span switch
    {
        { TotalMinutes: < 60 } => $"{(int)span.TotalMinutes} min",
        { TotalHours: < 48 } when span.Minutes == 0 => $"{(int)span.TotalHours} h",
        { TotalHours: < 48 } => $"{(int)span.TotalHours} h {span.Minutes} min",
        _ => $"{span.TotalDays.ToString("0.#", Culture)} d",
    };

    /// <summary>"4 min ago", "3 h ago", "2 d ago".</summary>
    public static string Age(DateTimeOffset? value, DateTimeOffset now)
    {
        if (value is null)
        {
            return "never";
        }

        var age = now - value.Value;
        return age switch
        {
            { TotalSeconds: < 60 } => "just now",
            { TotalMinutes: < 60 } => $"{(int)age.TotalMinutes} min ago",
            { TotalHours: < 48 } => $"{(int)age.TotalHours} h ago",
            _ => $"{(int)age.TotalDays} d ago",
        };
    }
}
