using System.Globalization;
using System.Text;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>
/// The CSV the end-to-end stack ingests: hourly BTC and ETH rows over the last day (so they fall in the dashboard's
/// default 7-day window) and two rows the loader must quarantine, so the quality pages have something to show.
/// </summary>
public static class FixtureCsv
{
    public const int HoursPerAsset = 24;
    public const int BadRows = 2;

    public static string Write(string folder, DateTimeOffset now, double bitcoinPriceUsd, double etherPriceUsd)
    {
        Directory.CreateDirectory(folder);
        var csv = new StringBuilder("symbol,name,price_usd,market_cap_usd,volume_24h_usd,percent_change_24h,created_at\n");
        var lastHour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        for (var hour = HoursPerAsset - 1; hour >= 0; hour--)
        {
            var at = lastHour.AddHours(-hour);
            // A gentle wave around the upstream price: the CSV line sits close to the API lines, as a real feed would.
            var wave = 1 + 0.004 * Math.Sin(hour / 3.0);
            csv.Append(Row("BTC", "Bitcoin", bitcoinPriceUsd * wave, 19_800_000, at));
            csv.Append(Row("ETH", "Ethereum", etherPriceUsd * wave, 120_500_000, at));
        }

        csv.Append("BTC,Bitcoin,n/a,,,,").Append(Iso(lastHour)).Append('\n');
        csv.Append("ETH,Ethereum,1850.12,,,,yesterday\n");

        var path = Path.Combine(folder, "e2e-prices.csv");
        File.WriteAllText(path, csv.ToString());
        return path;
    }

    private static string Row(string symbol, string name, double price, double supply, DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{symbol},{name},{price:F2},{price * supply:F0},{price * supply * 0.03:F0},0.42,{Iso(at)}\n");

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
