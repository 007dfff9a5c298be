using System.Globalization;
using System.Text;

namespace Kasparro.Bench;

/// <summary>
/// The benchmark's CSV: <c>symbols</c> coins observed at hourly timestamps (or every <c>step</c> from <c>start</c>),
/// one snapshot of every coin per timestamp (as a daily export would be), with deterministic prices. Also the plain parser the bare-COPY baseline uses.
/// </summary>
public static class MarketCsv
{
    public const string Header = "symbol,name,price_usd,market_cap_usd,volume_24h_usd,percent_change_24h,created_at";
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>One parsed row, typed as the pipeline types it.</summary>
    public readonly record struct Row(string Symbol, string Name, decimal Price, decimal MarketCap, decimal Volume, decimal Change, DateTimeOffset CreatedAt);

    /// <summary>Writes <paramref name="rows"/> rows; the coins' symbols are <paramref name="symbolPrefix"/> and a number (C00000, C00001, ...).</summary>
    public static void Write(string path, long rows, int symbols, DateTimeOffset? start = null, TimeSpan? step = null, char symbolPrefix = 'C')
    {
        var first = start ?? Start;
        var every = step ?? TimeSpan.FromHours(1);
        var timestamps = (rows + symbols - 1) / symbols;
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.WriteLine(Header);
        var written = 0L;
        var line = new StringBuilder(128);
        for (var t = 0L; t < timestamps && written < rows; t++)
        {
            var at = (first + every * t).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            for (var s = 0; s < symbols && written < rows; s++, written++)
            {
                // Deterministic, varied prices: a per-coin base level times a slow wave.
                var basePrice = 0.01m + s * 3.17m;
                var price = Math.Round(basePrice * (decimal)(1 + 0.05 * Math.Sin((t + s) / 24.0)), 6);
                line.Clear()
                    .Append(symbolPrefix).Append(s.ToString("D5", CultureInfo.InvariantCulture)).Append(',')
                    .Append("Coin ").Append(s.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(price.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append((price * 1_000_000m).ToString("0", CultureInfo.InvariantCulture)).Append(',')
                    .Append((price * 50_000m + t).ToString("0", CultureInfo.InvariantCulture)).Append(',')
                    .Append(((t % 200) / 10.0 - 10).ToString("0.0", CultureInfo.InvariantCulture)).Append(',')
                    .Append(at);
                writer.WriteLine(line);
            }
        }
    }

    /// <summary>Parses the generated file (no quoting in it) into typed rows.</summary>
    public static IEnumerable<Row> Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, false, 1 << 20);
        reader.ReadLine();
        while (reader.ReadLine() is { } line)
        {
            var f = line.Split(',');
            yield return new Row(f[0], f[1],
                decimal.Parse(f[2], CultureInfo.InvariantCulture), decimal.Parse(f[3], CultureInfo.InvariantCulture),
                decimal.Parse(f[4], CultureInfo.InvariantCulture), decimal.Parse(f[5], CultureInfo.InvariantCulture),
                DateTimeOffset.Parse(f[6], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal));
        }
    }
}
