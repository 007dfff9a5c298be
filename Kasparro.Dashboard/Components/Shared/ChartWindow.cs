using System.Globalization;
using System.Text.Json;

namespace Kasparro.Dashboard.Components.Shared;

/// <summary>A time window on a chart's x axis: what a zoom selects and a deep link restores.</summary>
public sealed record ChartWindow(DateTimeOffset From, DateTimeOffset To)
{
    private static readonly string[] PlotlyFormats = ["yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH", "yyyy-MM-dd"];

    /// <summary>Plotly reads "yyyy-MM-dd HH:mm:ss" as a wall-clock time: the time in the zone the dashboard shows (the axis says which).</summary>
    public static string PlotlyTime(DateTimeOffset value, DisplayTime time) => time.WallClock(value).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>The x range of a plotly relayout event (two wall-clock strings in the shown zone), or null when it has none.</summary>
    public static ChartWindow? FromPlotly(object[]? range, DisplayTime time)
    {
        if (range is not { Length: 2 } || Parse(range[0], time) is not { } from || Parse(range[1], time) is not { } to || to <= from)
        {
            return null;
        }

        return new ChartWindow(from, to);
    }

    private static DateTimeOffset? Parse(object? value, DisplayTime time)
    {
        var text = value switch
        {
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
            string s => s,
            _ => null,
        };
        return DateTime.TryParseExact(text, PlotlyFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var wallClock)
            ? time.Instant(wallClock)
            : null;
    }
}
