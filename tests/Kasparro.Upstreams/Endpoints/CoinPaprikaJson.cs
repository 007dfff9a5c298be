using System.Buffers;
using System.Text.Json;
using Kasparro.Upstreams.Universe;

namespace Kasparro.Upstreams.Endpoints;

/// <summary>Writes CoinPaprika's <c>/tickers</c> and <c>/coins</c> items: uppercase symbols, <c>quotes.USD.*</c>,
/// <c>rank: 0</c> for inactive coins, <c>max_supply: 0</c> for uncapped ones, Go-style numbers, timestamps in
/// whole seconds except some ATH dates that carry milliseconds.</summary>
internal static class CoinPaprikaJson
{
    public static byte[] Tickers(IEnumerable<UpstreamCoin> coins, SchemaDrift drift) => Array(coins, (json, c) => WriteTicker(json, c, drift));

    public static byte[] Coins(IEnumerable<UpstreamCoin> coins) => Array(coins, WriteCoin);

    private static byte[] Array(IEnumerable<UpstreamCoin> coins, Action<Utf8JsonWriter, UpstreamCoin> write)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            json.WriteStartArray();
            foreach (var coin in coins)
            {
                write(json, coin);
            }

            json.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteCoin(Utf8JsonWriter json, UpstreamCoin c)
    {
        json.WriteStartObject();
        json.WriteString("id", c.PaprikaId);
        json.WriteString("name", c.Name);
        json.WriteString("symbol", c.PaprikaSymbol);
        json.WriteNumber("rank", c.PaprikaRank);
        json.WriteBoolean("is_new", false);
        json.WriteBoolean("is_active", c.PaprikaRank > 0);
        json.WriteString("type", c.PaprikaType);
        json.WriteEndObject();
    }

    private static void WriteTicker(Utf8JsonWriter json, UpstreamCoin c, SchemaDrift drift)
    {
        var active = c.PaprikaRank > 0;
        var price = c.PaprikaPriceUsd;
        var change = Math.Round(c.Change24hPct ?? 0, 2);
        json.WriteStartObject();
        json.WriteString("id", c.PaprikaId);
        json.WriteString("name", c.Name);
        json.WriteString("symbol", c.PaprikaSymbol);
        json.WriteNumber("rank", c.PaprikaRank);
        Number(json, "total_supply", Math.Round(c.TotalSupply ?? c.CirculatingSupply));
        Number(json, "max_supply", Math.Round(c.MaxSupply ?? 0));
        Number(json, "beta_value", Math.Round(0.5 + Wobble(c.Index, 1) * 0.8, 6));
        json.WriteString("first_data_at", TimestampText.Seconds(c.FirstDataAt));
        json.WriteString("last_updated", TimestampText.Seconds(c.LastUpdated));
        json.WriteStartObject("quotes");
        json.WriteStartObject("USD");
        if (!(drift.HasFlag(SchemaDrift.PaprikaUsdPriceMissingOnSome) && c.IsDriftTarget))
        {
            Number(json, "price", price);
        }

        Number(json, "volume_24h", active ? c.Volume24hUsd : 0);
        Number(json, "volume_24h_change_24h", Math.Round((Wobble(c.Index, 2) - 0.5) * 80, 2));
        Number(json, "market_cap", active ? Math.Round(price * c.CirculatingSupply) : 0);
        Number(json, "market_cap_change_24h", change);
        Number(json, "percent_change_15m", Math.Round((Wobble(c.Index, 3) - 0.5) * 0.6, 2));
        Number(json, "percent_change_30m", Math.Round((Wobble(c.Index, 4) - 0.5) * 1, 2));
        Number(json, "percent_change_1h", Math.Round((Wobble(c.Index, 5) - 0.5) * 2, 2));
        Number(json, "percent_change_6h", Math.Round((Wobble(c.Index, 6) - 0.5) * 5, 2));
        Number(json, "percent_change_12h", Math.Round((Wobble(c.Index, 7) - 0.5) * 7, 2));
        Number(json, "percent_change_24h", change);
        Number(json, "percent_change_7d", Math.Round((Wobble(c.Index, 8) - 0.5) * 25, 2));
        Number(json, "percent_change_30d", Math.Round((Wobble(c.Index, 9) - 0.5) * 50, 2));
        Number(json, "percent_change_1y", Math.Round((Wobble(c.Index, 10) - 0.4) * 150, 2));
        if (c.AthUsd is { } ath && c.AthDate is { } athDate)
        {
            Number(json, "ath_price", ath * c.PaprikaPriceFactor);
            // Paprika mostly prints whole seconds but some ATH dates keep their milliseconds.
            json.WriteString("ath_date", c.Index % 3 == 0 ? TimestampText.Millis(athDate) : TimestampText.Seconds(athDate));
            Number(json, "percent_from_price_ath", Math.Round((c.PriceUsd / ath - 1) * 100, 2));
        }
        else
        {
            json.WriteNull("ath_price");
            json.WriteNull("ath_date");
            json.WriteNull("percent_from_price_ath");
        }

        if (drift.HasFlag(SchemaDrift.ExtraUnknownFields))
        {
            Number(json, "percent_change_90d", Math.Round((Wobble(c.Index, 11) - 0.5) * 80, 2));
        }

        json.WriteEndObject();
        json.WriteEndObject();
        if (drift.HasFlag(SchemaDrift.ExtraUnknownFields))
        {
            json.WriteStartArray("tags");
            json.WriteStringValue("currency");
            json.WriteEndArray();
            json.WriteStartObject("links");
            json.WriteNull("website");
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        json.WritePropertyName(name);
        json.WriteRawValue(JsonNumberText.Paprika(value), skipInputValidation: true);
    }

    /// <summary>A stable pseudo-random value in [0,1) per coin and field, so unrelated fields stay fixed across snapshots.</summary>
    private static double Wobble(int index, int field)
    {
        var h = unchecked((uint)(index * 73856093) ^ (uint)(field * 19349663));
        h ^= h >> 13;
        h = unchecked(h * 0x5bd1e995);
        h ^= h >> 15;
        return h / (double)uint.MaxValue;
    }
}
