using Kasparro.Contracts;
using Kasparro.Dashboard.Api;

namespace Kasparro.Dashboard.Live;

/// <summary>How a page folds one live event into what it already shows, without asking the API again.</summary>
public static class LiveMerge
{
    /// <summary>The asset with <paramref name="price"/> as its source's latest quote (added when the source had none).</summary>
    public static AssetDetail WithQuote(AssetDetail asset, MarketRecordItem price)
    {
        var quote = new LatestValue(price.Source, SourceIdOf(price), price.PriceUsd, price.MarketCapUsd, price.Volume24hUsd, price.PercentChange24h, price.CreatedAt);
        var latest = asset.Latest.Where(q => q.Source != price.Source).Append(quote).ToList();
        return asset with { Latest = latest };
    }

    /// <summary>
    /// The history with <paramref name="price"/> as a new last point of its source's series, when it is newer than the
    /// series' last point (an older or repeated observation changes nothing).
    /// </summary>
    public static AssetHistory WithPoint(AssetHistory history, MarketRecordItem price)
    {
        var point = new HistoryPoint(price.CreatedAt, price.PriceUsd, price.MarketCapUsd, price.Volume24hUsd);
        var series = history.Series.FirstOrDefault(s => s.Source == price.Source);
        if (series is null)
        {
            return history with { Series = [.. history.Series, new HistorySeries(price.Source, [point])] };
        }

        if (series.Points.Count > 0 && series.Points[^1].T >= price.CreatedAt)
        {
            return history;
        }

        var extended = series with { Points = [.. series.Points, point] };
        return history with { Series = history.Series.Select(s => s.Source == price.Source ? extended : s).ToList() };
    }

    /// <summary>The runs with <paramref name="run"/> in place (by id), or first when it is new; at most <paramref name="keep"/>.</summary>
    public static IReadOnlyList<RunItem> WithRun(IReadOnlyList<RunItem> runs, RunItem run, int keep)
    {
        var index = runs.ToList().FindIndex(r => r.Id == run.Id);
        if (index >= 0)
        {
            return runs.Select((r, i) => i == index ? run : r).ToList();
        }

        return runs.Prepend(run).OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id).Take(keep).ToList();
    }

    /// <summary>The source's own id: record ids are <c>{source}_{source_id}</c>; any other id is shown whole.</summary>
    private static string SourceIdOf(MarketRecordItem price) =>
        price.Id.StartsWith(price.Source + "_", StringComparison.Ordinal) ? price.Id[(price.Source.Length + 1)..] : price.Id;
}
