namespace Kasparro.Upstreams;

/// <summary>The two upstream market-data services this server imitates.</summary>
public enum UpstreamApi
{
    CoinPaprika,
    CoinGecko,
}
