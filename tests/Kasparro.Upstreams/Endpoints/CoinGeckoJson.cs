using System.Buffers;
using System.Text.Json;
using Kasparro.Upstreams.Universe;

namespace Kasparro.Upstreams.Endpoints;

/// <summary>Writes <c>/coins/markets</c> items exactly as CoinGecko does: lowercase symbols, nulls where it
/// has no value, <c>0.0</c> where it prints an unknown as zero, Ruby-style exponent numbers.</summary>
internal static class CoinGeckoJson
{
    public static byte[] Markets(IEnumerable<UpstreamCoin> coins, SchemaDrift drift)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            json.WriteStartArray();
            foreach (var coin in coins)
            {
                WriteMarket(json, coin, drift);
            }

            json.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteMarket(Utf8JsonWriter json, UpstreamCoin c, SchemaDrift drift)
    {
        var capKnown = c.CirculatingSupply > 0;
        var price = c.PriceUsd;
        var change = c.Change24hPct;
        json.WriteStartObject();
        json.WriteString("id", c.GeckoId);
        if (!(drift.HasFlag(SchemaDrift.GeckoSymbolMissingOnSome) && c.IsDriftTarget))
        {
            json.WriteString("symbol", c.GeckoSymbol);
        }

        json.WriteString("name", c.Name);
        json.WriteString("image", $"https://coin-images.coingecko.com/coins/images/{c.Index + 1}/large/{c.GeckoId}.png");
        Number(json, drift.HasFlag(SchemaDrift.GeckoCurrentPriceRenamed) ? "currentPrice" : "current_price", price);
        Number(json, "market_cap", capKnown ? Math.Round(c.MarketCapUsd) : 0);
        NullableInt(json, "market_cap_rank", c.GeckoRank);
        var fdvSupply = c.MaxSupply ?? c.TotalSupply;
        Number(json, "fully_diluted_valuation", fdvSupply is { } s ? Math.Round(price * s) : null);
        Number(json, drift.HasFlag(SchemaDrift.GeckoTotalVolumeRenamed) ? "totalVolume" : "total_volume", c.Volume24hUsd >= 1 ? Math.Round(c.Volume24hUsd) : c.Volume24hUsd);
        Number(json, "high_24h", change is { } up ? price * (1 + Math.Abs(up) / 100 * 0.7) : null);
        Number(json, "low_24h", change is { } down ? price * (1 - Math.Abs(down) / 100 * 0.6) : null);
        var open = change is { } pct ? price / (1 + pct / 100) : (double?)null;
        Number(json, "price_change_24h", open is { } o ? price - o : null);
        Number(json, "price_change_percentage_24h", change);
        if (capKnown)
        {
            Number(json, "market_cap_change_24h", open is { } o2 ? (price - o2) * c.CirculatingSupply : null);
            Number(json, "market_cap_change_percentage_24h", change is { } p2 ? p2 * 0.998 : null);
            Number(json, "circulating_supply", c.CirculatingSupply);
        }
        else
        {
            UnknownZero(json, "market_cap_change_24h");
            UnknownZero(json, "market_cap_change_percentage_24h");
            UnknownZero(json, "circulating_supply");
        }

        Number(json, "total_supply", c.TotalSupply);
        Number(json, "max_supply", c.MaxSupply);
        Number(json, "ath", c.AthUsd);
        Number(json, "ath_change_percentage", c.AthUsd is { } ath ? (price / ath - 1) * 100 : null);
        Time(json, "ath_date", c.AthDate);
        Number(json, "atl", c.AtlUsd);
        Number(json, "atl_change_percentage", c.AtlUsd is { } atl ? (price / atl - 1) * 100 : null);
        Time(json, "atl_date", c.AtlDate);
        if (c.Roi is { } roi)
        {
            json.WriteStartObject("roi");
            Number(json, "times", roi.Times);
            json.WriteString("currency", roi.Currency);
            Number(json, "percentage", roi.Percentage);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("roi");
        }

        Time(json, "last_updated", c.LastUpdated);
        if (drift.HasFlag(SchemaDrift.ExtraUnknownFields))
        {
            Number(json, "price_change_percentage_24h_in_currency", change);
            json.WriteStartObject("platform_details");
            json.WriteStartArray("chains");
            json.WriteStringValue("ethereum");
            json.WriteEndArray();
            json.WriteNull("contract_address");
            json.WriteEndObject();
            json.WriteBoolean("is_verified", c.GeckoRank is not null);
        }

        json.WriteEndObject();
    }

    internal static void Number(Utf8JsonWriter json, string name, double? value)
    {
        json.WritePropertyName(name);
        if (value is { } v)
        {
            json.WriteRawValue(JsonNumberText.Gecko(v), skipInputValidation: true);
        }
        else
        {
            json.WriteNullValue();
        }
    }

    private static void UnknownZero(Utf8JsonWriter json, string name)
    {
        json.WritePropertyName(name);
        json.WriteRawValue("0.0", skipInputValidation: true);
    }

    private static void NullableInt(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void Time(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is { } t)
        {
            json.WriteString(name, TimestampText.Millis(t));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
