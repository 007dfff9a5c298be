using System.Globalization;

namespace Kasparro.Dashboard.Components.Shared;

/// <summary>A time window on a chart's x axis: what a zoom selects and a deep link restores.</summary>
public sealed record ChartWindow(DateTimeOffset From, DateTimeOffset To)
{
    private static readonly string[] PlotlyFormats = ["yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH", "yyyy-MM-dd"];

    /// <summary>Plotly reads "yyyy-MM-dd HH:mm:ss" as a wall-clock time: the time in the zone the dashboard shows (the axis says which).</summary>
    public static string PlotlyTime(DateTimeOffset value, DisplayTime time) => time.WallClock(value).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>
    /// The x range of a plotly relayout event, as js/chart-zoom.js reports it (two wall-clock strings in the shown zone), or
    /// null when either end is missing or unreadable or the range is empty or reversed.
    /// </summary>
    public static ChartWindow? FromPlotly(string? from, string? to, DisplayTime time) =>
        Parse(from, time) is { } start && Parse(to, time) is { } end && end > start ? new ChartWindow(start, end) : null;

    private static DateTimeOffset? Parse(string? text, DisplayTime time) =>
        DateTime.TryParseExact(text, PlotlyFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var wallClock)
            ? time.Instant(wallClock)
            : null;
}
