namespace Kasparro.Dashboard.Components.Shared;

/// <summary>One line (or set of bars) of a time chart: a source's values over time; <see cref="Key"/> is the source name.</summary>
public sealed record ChartSeries(string Key, string Name, string Colour, IReadOnlyList<DateTimeOffset> Times, IReadOnlyList<decimal?> Values)
{
    public int PointCount => Values.Count(v => v is not null);
}

/// <summary>How a time chart draws its series.</summary>
public enum ChartKind
{
    Lines,
    Bars,
}
