using System.Globalization;
using System.Text.Json;
using Kasparro.Ingestion.Sources;

namespace Kasparro.Ingestion.Backfill;

/// <summary>One past observation from a market chart.</summary>
public sealed record HistoryPoint(DateTimeOffset ObservedAt, decimal PriceUsd, decimal? MarketCapUsd, decimal? VolumeUsd);

/// <summary>
/// A CoinGecko <c>market_chart</c> answer read exactly: every <c>prices</c> entry <c>[epoch_ms, value]</c> becomes a
/// point (joined by timestamp with <c>market_caps</c> and <c>total_volumes</c>) or a rejected record with the reason.
/// </summary>
public sealed record MarketChart(IReadOnlyList<HistoryPoint> Points, IReadOnlyList<SourceRecord> Rejected)
{
    public int Received => Points.Count + Rejected.Count;

    public static MarketChart Read(string coinId, JsonElement root)
    {
        var points = new List<HistoryPoint>();
        var rejected = new List<SourceRecord>();
        if (!root.TryGetProperty("prices", out var prices) || prices.ValueKind != JsonValueKind.Array)
        {
            rejected.Add(SourceRecord.Rejected(coinId, Truncated(root.GetRawText()), "market_chart", "the answer has no 'prices' array"));
            return new MarketChart(points, rejected);
        }

        var caps = Series(root, "market_caps");
        var volumes = Series(root, "total_volumes");
        var index = 0;
        foreach (var entry in prices.EnumerateArray())
        {
            var location = $"prices[{index++}]";
            var raw = entry.GetRawText();
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() < 2)
            {
                rejected.Add(SourceRecord.Rejected(coinId, raw, location, "expected [epoch_ms, price]"));
                continue;
            }

            if (!TryEpochMs(entry[0], out var ms))
            {
                rejected.Add(SourceRecord.Rejected(coinId, raw, location, $"timestamp {entry[0].GetRawText()} is not epoch milliseconds"));
                continue;
            }

            var price = entry[1];
            if (price.ValueKind == JsonValueKind.Null)
            {
                rejected.Add(SourceRecord.Rejected(coinId, raw, location, "price is null"));
                continue;
            }

            if (price.ValueKind != JsonValueKind.Number || SourceValues.ParseDecimal(price.GetRawText(), "price", out _) is not { } value)
            {
                rejected.Add(SourceRecord.Rejected(coinId, raw, location, $"price {SourceValues.Truncate(price.GetRawText())} is not a number in range"));
                continue;
            }

            if (value < 0)
            {
                rejected.Add(SourceRecord.Rejected(coinId, raw, location, $"price is negative ({value.ToString(CultureInfo.InvariantCulture)})"));
                continue;
            }

            points.Add(new HistoryPoint(DateTimeOffset.FromUnixTimeMilliseconds(ms), value, caps.GetValueOrDefault(ms), volumes.GetValueOrDefault(ms)));
        }

        return new MarketChart(points, rejected);
    }

    /// <summary>A companion series by timestamp; entries that are not <c>[epoch_ms, number]</c> leave the value unknown (null).</summary>
    private static Dictionary<long, decimal?> Series(JsonElement root, string name)
    {
        var result = new Dictionary<long, decimal?>();
        if (!root.TryGetProperty(name, out var series) || series.ValueKind != JsonValueKind.Array)
        {
            return result;
        }

        foreach (var entry in series.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() >= 2 && TryEpochMs(entry[0], out var ms)
                && entry[1].ValueKind == JsonValueKind.Number)
            {
                result[ms] = SourceValues.ParseDecimal(entry[1].GetRawText(), name, out _);
            }
        }

        return result;
    }

    private static bool TryEpochMs(JsonElement element, out long ms)
    {
        ms = 0;
        // Epoch milliseconds arrive as integers (occasionally with a fraction); anything outside years 1970..9999 is bad data.
        return element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var value) && double.IsFinite(value)
            && value is >= 0 and <= 253_402_300_799_999 && (ms = (long)value) >= 0;
    }

    private static string Truncated(string text) => text.Length <= 4096 ? text : text[..4096];
}
