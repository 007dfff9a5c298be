using Kasparro.Data;

namespace Kasparro.Ingestion.Quality;

/// <summary>The fields a source's payload is expected to carry; nested JSON fields are dotted paths (<c>quotes.USD.price</c>).</summary>
/// <param name="Source">The source tag the drift events are stored under.</param>
/// <param name="Required">Fields without which a record cannot be used: a record missing one is quarantined.</param>
/// <param name="Optional">Fields we use when present or that the API documents; anything else is unknown.</param>
public sealed record FieldSet(string Source, IReadOnlyList<string> Required, IReadOnlyList<string> Optional);

/// <summary>The expected field sets of the upstream payloads (what we read plus what each API documents).</summary>
public static class FieldSets
{
    /// <summary>One object of CoinGecko <c>GET /coins/markets</c>. <c>roi</c> is null or an object and is checked as one field.</summary>
    public static readonly FieldSet CoinGeckoMarkets = new(
        SourceNames.CoinGecko,
        Required: ["id", "symbol", "name", "current_price"],
        Optional:
        [
            "image", "market_cap", "market_cap_rank", "fully_diluted_valuation", "total_volume", "high_24h", "low_24h",
            "price_change_24h", "price_change_percentage_24h", "market_cap_change_24h", "market_cap_change_percentage_24h",
            "circulating_supply", "total_supply", "max_supply", "ath", "ath_change_percentage", "ath_date",
            "atl", "atl_change_percentage", "atl_date", "roi", "last_updated",
        ]);

    /// <summary>
    /// One object of CoinPaprika <c>GET /v1/tickers</c> with USD quotes. <c>circulating_supply</c> is deliberately absent:
    /// current responses dropped it, so an old payload that still carries it shows up as an unknown field.
    /// </summary>
    public static readonly FieldSet CoinPaprikaTickers = new(
        SourceNames.CoinPaprika,
        Required: ["id", "name", "symbol", "quotes.USD.price"],
        Optional:
        [
            "rank", "total_supply", "max_supply", "beta_value", "first_data_at", "last_updated",
            "quotes.USD.volume_24h", "quotes.USD.volume_24h_change_24h", "quotes.USD.market_cap", "quotes.USD.market_cap_change_24h",
            "quotes.USD.percent_change_15m", "quotes.USD.percent_change_30m", "quotes.USD.percent_change_1h",
            "quotes.USD.percent_change_6h", "quotes.USD.percent_change_12h", "quotes.USD.percent_change_24h",
            "quotes.USD.percent_change_7d", "quotes.USD.percent_change_30d", "quotes.USD.percent_change_1y",
            "quotes.USD.ath_price", "quotes.USD.ath_date", "quotes.USD.percent_from_price_ath",
        ]);

    /// <summary>The header of an uploaded CSV file (names lower-case and trimmed).</summary>
    public static readonly FieldSet CsvRows = new(
        SourceNames.Csv,
        Required: ["symbol", "price_usd"],
        Optional: ["name", "market_cap_usd", "volume_24h_usd", "percent_change_24h", "created_at"]);
}
