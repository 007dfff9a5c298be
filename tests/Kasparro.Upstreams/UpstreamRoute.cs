namespace Kasparro.Upstreams;

/// <summary>The kinds of upstream request that faults, logs and rate limits are keyed on.</summary>
public enum UpstreamRoute
{
    /// <summary><c>GET /v1/tickers</c> on CoinPaprika (free or pro path).</summary>
    PaprikaTickers,

    /// <summary><c>GET /v1/coins</c> on CoinPaprika (free or pro path).</summary>
    PaprikaCoins,

    /// <summary><c>GET /api/v3/coins/markets</c> on CoinGecko (demo or pro path).</summary>
    GeckoMarkets,

    /// <summary><c>GET /api/v3/coins/{id}/market_chart</c> on CoinGecko (demo or pro path).</summary>
    GeckoMarketChart,

    /// <summary><c>GET /api/v3/coins/{id}/market_chart/range</c> on CoinGecko (demo or pro path).</summary>
    GeckoMarketChartRange,
}

/// <summary>Which API a route belongs to.</summary>
public static class UpstreamRouteExtensions
{
    public static UpstreamApi Api(this UpstreamRoute route) => route switch
    {
        UpstreamRoute.PaprikaTickers or UpstreamRoute.PaprikaCoins => UpstreamApi.CoinPaprika,
        _ => UpstreamApi.CoinGecko,
    };
}
