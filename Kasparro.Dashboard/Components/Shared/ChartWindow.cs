using System.Globalization;
using System.Text.Json;

namespace Kasparro.Dashboard.Components.Shared;

/// <summary>A time window on a chart's x axis: what a zoom selects and a deep link restores.</summary>
public sealed record ChartWindow(DateTimeOffset From, DateTimeOffset To)
{
    private static readonly string[] PlotlyFormats = ["yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH", "yyyy-MM-dd"];

    /// <summary>Plotly reads "yyyy-MM-dd HH:mm:ss" as a wall-clock time; the charts' times are UTC (the axis says so).</summary>
    public static string PlotlyTime(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>The x range of a plotly relayout event (two wall-clock strings in UTC), or null when it has none.</summary>
    public static ChartWindow? FromPlotly(object[]? range)
    {
        if (range is not { Length: 2 } || Parse(range[0]) is not { } from || Parse(range[1]) is not { } to || to <= from)
        {
            return null;
        }

        return new ChartWindow(from, to);
    }

    private static DateTimeOffset? Parse(object? value)
    {
        var text = value switch
        {
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
            string s => s,
            _ => null,
        };
        return DateTime.TryParseExact(text, PlotlyFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? new DateTimeOffset(time, TimeSpan.Zero)
            : null;
    }
}
