using Kasparro.Contracts;
using Kasparro.Dashboard.Api;

namespace Kasparro.Dashboard.Components.Shared;

/// <summary>Turns the API's per-source history into chart series, one per source in a fixed order and colour (from the API's source list).</summary>
public static class SeriesBuilder
{
    public static IReadOnlyList<ChartSeries> From(AssetHistory history, Func<HistoryPoint, decimal?> value, SourceCatalog sources) =>
        history.Series
            .OrderBy(s => s.Source, StringComparer.Ordinal)
            .Select(s => new ChartSeries(
                s.Source,
                sources.DisplayName(s.Source),
                sources.Colour(s.Source),
                s.Points.Select(p => (DateTimeOffset)p.T).ToList(),
                s.Points.Select(value).ToList()))
            .ToList();

    /// <summary>
    /// Each source's distance from the median of all sources at the same time, in percent: how the sources
    /// diverged over time. Times where fewer than two sources have a price are left out (nothing to compare).
    /// </summary>
    public static IReadOnlyList<ChartSeries> DivergenceOverTime(AssetHistory history, SourceCatalog sources)
    {
        var pricesAt = history.Series
            .SelectMany(s => s.Points.Where(p => p.PriceUsd > 0).Select(p => (s.Source, p.T, Price: p.PriceUsd)))
            .GroupBy(p => p.T)
            .Where(g => g.Select(p => p.Source).Distinct().Count() >= 2)
            .ToDictionary(g => g.Key, g => Median(g.Select(p => p.Price)));

        return history.Series
            .OrderBy(s => s.Source, StringComparer.Ordinal)
            .Select(s =>
            {
                var points = s.Points.Where(p => p.PriceUsd > 0 && pricesAt.ContainsKey(p.T)).OrderBy(p => p.T).ToList();
                return new ChartSeries(
                    s.Source,
                    sources.DisplayName(s.Source),
                    sources.Colour(s.Source),
                    points.Select(p => (DateTimeOffset)p.T).ToList(),
                    points.Select(p => (decimal?)Math.Round((p.PriceUsd - pricesAt[p.T]) / pricesAt[p.T] * 100m, 6)).ToList());
            })
            .ToList();
    }

    public static decimal Median(IEnumerable<decimal> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2m;
    }
}
