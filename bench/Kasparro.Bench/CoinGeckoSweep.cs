using System.Globalization;
using Kasparro.Upstreams;

namespace Kasparro.Bench;

/// <summary>The ingestion settings of a CoinGecko sweep over every coin of the fake upstream, a full page at a time.</summary>
public static class CoinGeckoSweep
{
    /// <summary>CoinGecko's largest page.</summary>
    public const int PerPage = 250;

    /// <summary>How many pages a sweep of <paramref name="coins"/> takes.</summary>
    public static int Pages(int coins) => (coins + PerPage - 1) / PerPage;

    /// <summary>The CoinGecko source pointed at <paramref name="upstream"/>, paced at <paramref name="requestsPerMinute"/>.</summary>
    public static Dictionary<string, string?> Settings(UpstreamServer upstream, int coins, int requestsPerMinute) => new()
    {
        ["Sources:CoinGecko:Enabled"] = "true",
        ["Sources:CoinGecko:BaseUrl"] = upstream.CoinGeckoBaseUrl.ToString(),
        ["Sources:CoinGecko:RequestsPerMinute"] = requestsPerMinute.ToString(CultureInfo.InvariantCulture),
        ["Sources:CoinGecko:PerPage"] = PerPage.ToString(CultureInfo.InvariantCulture),
        ["Sources:CoinGecko:MaxPages"] = Pages(coins).ToString(CultureInfo.InvariantCulture),
    };
}
