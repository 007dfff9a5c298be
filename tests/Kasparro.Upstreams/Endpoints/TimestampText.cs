using System.Globalization;

namespace Kasparro.Upstreams.Endpoints;

/// <summary>The two ISO-8601 shapes the upstreams use: with milliseconds (CoinGecko, some CoinPaprika ATH
/// dates) and whole seconds (CoinPaprika).</summary>
internal static class TimestampText
{
    public static string Millis(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Seconds(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
