namespace Kasparro;

/// <summary>The upstream APIs' default base URLs, shared by the ingestion options and the AppHost (which shows them).</summary>
public static class UpstreamUrls
{
    public const string CoinPaprikaFree = "https://api.coinpaprika.com/v1";
    public const string CoinPaprikaPro = "https://api-pro.coinpaprika.com/v1";
    public const string CoinGeckoPublic = "https://api.coingecko.com/api/v3";
    public const string CoinGeckoPro = "https://pro-api.coingecko.com/api/v3";
}
