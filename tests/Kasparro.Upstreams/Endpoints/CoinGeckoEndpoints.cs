using System.Globalization;
using Kasparro.Upstreams.Universe;

namespace Kasparro.Upstreams.Endpoints;

/// <summary>CoinGecko's <c>/coins/markets</c> and <c>/coins/{id}/market_chart</c> on the demo path
/// (<c>/coingecko/api/v3</c>) and the pro path (<c>/coingecko-pro/api/v3</c>).</summary>
internal static class CoinGeckoEndpoints
{
    public const string DemoPrefix = "/coingecko/api/v3";
    public const string ProPrefix = "/coingecko-pro/api/v3";
    private const int MaxPerPage = 250;
    private const int DefaultPerPage = 100;

    public static void MapCoinGecko(this IEndpointRouteBuilder routes, UpstreamState state)
    {
        foreach (var (prefix, plan) in new[] { (DemoPrefix, UpstreamPlan.GeckoDemo), (ProPrefix, UpstreamPlan.GeckoPro) })
        {
            var group = routes.MapGroup(prefix).WithTags("CoinGecko");
            group.MapGet("/coins/markets", (HttpContext context) =>
                    UpstreamPipeline.RunAsync(context, state, UpstreamRoute.GeckoMarkets, plan, () => Markets(context.Request.Query, state)))
                .WithMetadata(new UpstreamRouteMetadata(UpstreamRoute.GeckoMarkets));
            group.MapGet("/coins/{id}/market_chart", (HttpContext context, string id) =>
                    UpstreamPipeline.RunAsync(context, state, UpstreamRoute.GeckoMarketChart, plan, () => MarketChart(id, context.Request.Query, state, plan)))
                .WithMetadata(new UpstreamRouteMetadata(UpstreamRoute.GeckoMarketChart));
            group.MapGet("/coins/{id}/market_chart/range", (HttpContext context, string id) =>
                    UpstreamPipeline.RunAsync(context, state, UpstreamRoute.GeckoMarketChartRange, plan, () => MarketChartRange(id, context.Request.Query, state, plan)))
                .WithMetadata(new UpstreamRouteMetadata(UpstreamRoute.GeckoMarketChartRange));
            group.MapGet("/ping", () => Results.Json(new { gecko_says = "(V3) To the Moon!" }));
        }
    }

    private static UpstreamReply Markets(IQueryCollection query, UpstreamState state)
    {
        if (CurrencyError(query) is { } currencyError)
        {
            return currencyError;
        }

        var order = query["order"].ToString();
        if (order.Length > 0 && order != "market_cap_desc")
        {
            return UpstreamErrors.GeckoParameter(StatusCodes.Status400BadRequest, "invalid order");
        }

        if (!TryPositiveInt(query["per_page"], DefaultPerPage, out var perPage) || perPage > MaxPerPage)
        {
            return UpstreamErrors.GeckoParameter(StatusCodes.Status400BadRequest, "invalid per_page");
        }

        if (!TryPositiveInt(query["page"], 1, out var page))
        {
            return UpstreamErrors.GeckoParameter(StatusCodes.Status400BadRequest, "invalid page");
        }

        var universe = state.Universe;
        var coins = universe.Current.Coins;
        IEnumerable<UpstreamCoin> listed = universe.GeckoOrder.Select(i => coins[i]);
        var ids = query["ids"].ToString();
        if (ids.Length > 0)
        {
            var wanted = ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            listed = listed.Where(c => wanted.Contains(c.GeckoId!));
        }

        // Past the last page the real API answers an empty array, never an error.
        var skip = (long)(page - 1) * perPage;
        IEnumerable<UpstreamCoin> pageItems = skip > int.MaxValue ? [] : listed.Skip((int)skip).Take(perPage);
        return UpstreamReply.JsonBody(CoinGeckoJson.Markets(pageItems, state.Drift));
    }

    private static UpstreamReply MarketChart(string id, IQueryCollection query, UpstreamState state, UpstreamPlan plan)
    {
        if (CurrencyError(query) is { } currencyError)
        {
            return currencyError;
        }

        var daysText = query["days"].ToString();
        if (daysText.Length == 0)
        {
            return UpstreamErrors.GeckoParameter(StatusCodes.Status400BadRequest, "Missing parameter days");
        }

        var universe = state.Universe;
        if (universe.ByGeckoId(id) is not { } coin)
        {
            return UpstreamErrors.GeckoParameter(StatusCodes.Status404NotFound, "coin not found");
        }

        double days;
        if (daysText == "max")
        {
            days = (universe.AsOf - coin.FirstDataAt).TotalDays;
        }
        else if (!double.TryParse(daysText, NumberStyles.Float, CultureInfo.InvariantCulture, out days) || days <= 0 || !double.IsFinite(days))
        {
            return UpstreamErrors.GeckoParameter(StatusCodes.Status400BadRequest, "invalid days");
        }

        if (plan == UpstreamPlan.GeckoDemo && days > state.Options.MarketChartMaxDays)
        {
            return UpstreamErrors.Gecko(StatusCodes.Status401Unauthorized, 10012,
                $"Your request exceeds the allowed time range. Public API users are limited to querying historical data within the past {state.Options.MarketChartMaxDays} days. Upgrade to a paid plan to enjoy full historical data access: https://www.coingecko.com/en/api/pricing.");
        }

        // Nothing before the coin's first data point exists upstream either.
        days = Math.Min(days, Math.Max(1, (universe.AsOf - coin.FirstDataAt).TotalDays));
        return UpstreamReply.JsonBody(MarketChartSeries.Render(coin, days, universe.AsOf, universe.CreatedAsOf, state.Options.MarketChartGapRate));
    }

    /// <summary>
    /// <c>market_chart/range?vs_currency=usd&amp;from=UNIX&amp;to=UNIX</c>: the points between the two epoch seconds, hourly for a
    /// span up to 90 days and daily beyond (CoinGecko's automatic granularity for ranges); the demo plan reaches back
    /// <see cref="UpstreamOptions.MarketChartMaxDays"/> days.
    /// </summary>
    private static UpstreamReply MarketChartRange(string id, IQueryCollection query, UpstreamState state, UpstreamPlan plan)
    {
        if (CurrencyError(query) is { } currencyError)
        {
            return currencyError;
        }

        if (!long.TryParse(query["from"].ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var fromSeconds)
            || !long.TryParse(query["to"].ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var toSeconds)
            || fromSeconds < 0 || toSeconds < fromSeconds)
        {
            return UpstreamErrors.GeckoParameter(StatusCodes.Status400BadRequest, "invalid from/to");
        }

        var universe = state.Universe;
        if (universe.ByGeckoId(id) is not { } coin)
        {
            return UpstreamErrors.GeckoParameter(StatusCodes.Status404NotFound, "coin not found");
        }

        var from = DateTimeOffset.FromUnixTimeSeconds(fromSeconds);
        var to = DateTimeOffset.FromUnixTimeSeconds(toSeconds);
        if (plan == UpstreamPlan.GeckoDemo && (universe.AsOf - from).TotalDays > state.Options.MarketChartMaxDays)
        {
            return UpstreamErrors.Gecko(StatusCodes.Status401Unauthorized, 10012,
                $"Your request exceeds the allowed time range. Public API users are limited to querying historical data within the past {state.Options.MarketChartMaxDays} days. Upgrade to a paid plan to enjoy full historical data access: https://www.coingecko.com/en/api/pricing.");
        }

        // Nothing before the coin's first data point or after "now" exists upstream.
        from = from < coin.FirstDataAt ? coin.FirstDataAt : from;
        to = to > universe.AsOf ? universe.AsOf : to;
        return UpstreamReply.JsonBody(MarketChartSeries.RenderRange(coin, from, to, universe.AsOf, universe.CreatedAsOf, state.Options.MarketChartGapRate));
    }

    private static UpstreamReply? CurrencyError(IQueryCollection query)
    {
        var currency = query["vs_currency"].ToString();
        if (currency.Length == 0)
        {
            return UpstreamErrors.GeckoParameter(StatusCodes.Status400BadRequest, "Missing parameter vs_currency");
        }

        // The fake prices in USD only; any other currency is refused the way CoinGecko refuses unknown ones.
        return currency.Equals("usd", StringComparison.OrdinalIgnoreCase)
            ? null
            : UpstreamErrors.GeckoParameter(StatusCodes.Status400BadRequest, "invalid vs_currency");
    }

    private static bool TryPositiveInt(Microsoft.Extensions.Primitives.StringValues raw, int fallback, out int value)
    {
        if (raw.Count == 0 || raw.ToString().Length == 0)
        {
            value = fallback;
            return true;
        }

        return int.TryParse(raw.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1;
    }
}
