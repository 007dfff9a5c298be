namespace Kasparro.Ingestion.Tests.Quality;

/// <summary>One object of each upstream payload, as the real APIs return it (see shared/upstream-apis.md).</summary>
internal static class UpstreamSamples
{
    public const string CoinGeckoBitcoin = """
        {"id":"bitcoin","symbol":"btc","name":"Bitcoin","image":"https://coin-images.coingecko.com/coins/images/1/large/bitcoin.png",
         "current_price":83476,"market_cap":1656538234098,"market_cap_rank":1,"fully_diluted_valuation":1656538234098,
         "total_volume":21416038166,"high_24h":85504,"low_24h":83288,"price_change_24h":-1700.72084601404,
         "price_change_percentage_24h":-1.99671,"market_cap_change_24h":-33489577891.8572,
         "market_cap_change_percentage_24h":-1.9816,"circulating_supply":19843590,"total_supply":19843590,
         "max_supply":21000000,"ath":108786,"ath_change_percentage":-23.192,"ath_date":"2025-01-20T09:11:54.494Z",
         "atl":67.81,"atl_change_percentage":123122.56068,"atl_date":"2013-07-06T00:00:00.000Z",
         "roi":{"times":12.5,"currency":"usd","percentage":1250.1},
         "last_updated":"2025-03-29T10:22:52.578Z"}
        """;

    public const string CoinPaprikaBitcoin = """
        {"id":"btc-bitcoin","name":"Bitcoin","symbol":"BTC","rank":1,"total_supply":19986169,
         "max_supply":21000000,"beta_value":0.909039,"first_data_at":"2010-07-17T00:00:00Z",
         "last_updated":"2026-02-08T13:52:28Z",
         "quotes":{"USD":{"price":71370.71020525187,"volume_24h":37555698753.88742,
          "volume_24h_change_24h":-48.7,"market_cap":1426427932261,"market_cap_change_24h":4.13,
          "percent_change_15m":0.1,"percent_change_30m":-0.04,"percent_change_1h":0.19,
          "percent_change_6h":2.27,"percent_change_12h":2.98,"percent_change_24h":4.13,
          "percent_change_7d":-8.84,"percent_change_30d":-21.46,"percent_change_1y":-26.32,
          "ath_price":126173.1777846797,"ath_date":"2025-10-06T19:00:40Z","percent_from_price_ath":-43.46}}}
        """;
}
