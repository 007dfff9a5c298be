using System.Globalization;
using System.Text;

namespace Kasparro.Ingestion.Tests.Reliability;

/// <summary>Large generated CSV inputs: one distinct, valid row per symbol, so exact counts are known.</summary>
public static class BigCsv
{
    /// <summary>Writes <paramref name="rows"/> rows (symbols <c>R1</c>..<c>Rn</c>) to a new file and returns its path.</summary>
    public static string Write(int rows)
    {
        var folder = TestTemp.NewFolder("big");
        var path = Path.Combine(folder, "big.csv");
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), bufferSize: 1 << 16);
        writer.Write("symbol,name,price_usd,market_cap_usd,volume_24h_usd,percent_change_24h,created_at\n");
        for (var i = 1; i <= rows; i++)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"R{i},Token {i},{i}.25,{i * 1000L},{i * 10L},0.5,2026-02-01T00:00:00Z\n"));
        }

        return path;
    }
}
