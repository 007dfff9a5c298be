using System.Buffers;
using System.Text.Json;
using Kasparro.Upstreams.Universe;

namespace Kasparro.Upstreams.Endpoints;

/// <summary>Builds CoinGecko's <c>market_chart</c> body with its automatic granularity (≤1 day: 5-minutely,
/// up to 90 days: hourly, beyond: daily at 00:00 UTC) and a final point at "now". History is a pure
/// function of coin and timestamp, so overlapping requests agree and later snapshots do not rewrite the past.</summary>
internal static class MarketChartSeries
{
    public static byte[] Render(UpstreamCoin coin, double days, DateTimeOffset now, DateTimeOffset anchor, double gapRate) =>
        Write(coin, Timestamps(days, now).ToList(), now, anchor, gapRate);

    /// <summary>The <c>market_chart/range</c> body: points from <paramref name="from"/> to <paramref name="to"/> inclusive, hourly up to a
    /// 90-day span and daily beyond; a range reaching "now" ends with the point at now, as <see cref="Render"/> does.</summary>
    public static byte[] RenderRange(UpstreamCoin coin, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, DateTimeOffset anchor, double gapRate)
    {
        var step = (to - from).TotalDays <= 90 ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
        var first = new DateTimeOffset(from.UtcTicks - from.UtcTicks % step.Ticks, TimeSpan.Zero);
        first = first < from ? first + step : first;
        var points = new List<DateTimeOffset>();
        for (var t = first; t <= to && t < now; t += step)
        {
            points.Add(t);
        }

        if (to >= now)
        {
            points.Add(now);
        }

        return Write(coin, points, now, anchor, gapRate);
    }

    private static byte[] Write(UpstreamCoin coin, List<DateTimeOffset> points, DateTimeOffset now, DateTimeOffset anchor, double gapRate)
    {
        var buffer = new ArrayBufferWriter<byte>(points.Count * 96 + 64);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            var kept = points
                .Where((t, i) => i == points.Count - 1 || Noise(coin.Index, t.ToUnixTimeMilliseconds(), 99) >= gapRate)
                .Select(t => (Ms: t.ToUnixTimeMilliseconds(), Price: t == now ? coin.PriceUsd : HistoricPrice(coin, t, anchor)))
                .ToList();
            json.WriteStartObject();
            Series(json, "prices", kept.Select(p => (p.Ms, p.Price)));
            Series(json, "market_caps", kept.Select(p => (p.Ms, p.Price * coin.CirculatingSupply)));
            Series(json, "total_volumes", kept.Select(p => (p.Ms, coin.Volume24hUsd * (0.7 + 0.6 * Noise(coin.Index, p.Ms, 7)))));
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static IEnumerable<DateTimeOffset> Timestamps(double days, DateTimeOffset now)
    {
        var start = now - TimeSpan.FromDays(days);
        var step = days <= 1 ? TimeSpan.FromMinutes(5) : days <= 90 ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
        var first = new DateTimeOffset(start.UtcTicks - start.UtcTicks % step.Ticks, TimeSpan.Zero);
        if (first < start)
        {
            first += step;
        }

        for (var t = first; t < now; t += step)
        {
            yield return t;
        }

        yield return now;
    }

    private static double HistoricPrice(UpstreamCoin coin, DateTimeOffset t, DateTimeOffset anchor) =>
        coin.InitialPriceUsd * Math.Exp(Wave(coin, t) - Wave(coin, anchor));

    /// <summary>Slow cycles plus hourly jitter: about ±40% over a year, ±1–2% within a day.</summary>
    private static double Wave(UpstreamCoin coin, DateTimeOffset t)
    {
        var days = t.ToUnixTimeMilliseconds() / 86_400_000.0;
        var phase = coin.Index * 0.7;
        var jitter = (Noise(coin.Index, t.ToUnixTimeMilliseconds() / 300_000, 3) - 0.5) * 0.02;
        return 0.25 * Math.Sin(days / 58 + phase) + 0.12 * Math.Sin(days / 9 + phase * 1.3) + 0.03 * Math.Sin(days * 4 + phase) + jitter;
    }

    private static void Series(Utf8JsonWriter json, string name, IEnumerable<(long Ms, double Value)> points)
    {
        json.WriteStartArray(name);
        foreach (var (ms, value) in points)
        {
            json.WriteStartArray();
            json.WriteNumberValue(ms);
            json.WriteRawValue(JsonNumberText.Gecko(value), skipInputValidation: true);
            json.WriteEndArray();
        }

        json.WriteEndArray();
    }

    private static double Noise(int index, long key, int salt)
    {
        var h = unchecked((ulong)key * 0x9E3779B97F4A7C15UL ^ (ulong)(index + 1) * 0xC2B2AE3D27D4EB4FUL ^ (ulong)salt * 0x165667B19E3779F9UL);
        h ^= h >> 33;
        h = unchecked(h * 0xFF51AFD7ED558CCDUL);
        h ^= h >> 33;
        return (h >> 11) / (double)(1UL << 53);
    }
}
