namespace Kasparro.Data;

/// <summary>The source tags stored with every record and accepted by the API's <c>source</c> filters.</summary>
public static class SourceNames
{
    public const string CoinPaprika = "coinpaprika";
    public const string CoinGecko = "coingecko";
    public const string Csv = "csv";
    /// <summary>Backfilled CoinGecko market charts (history only).</summary>
    public const string CoinGeckoHistory = "coingecko-history";

    /// <summary>Sources whose records land in the normalized table.</summary>
    public static readonly IReadOnlyList<string> Snapshot = [CoinPaprika, CoinGecko, Csv];

    /// <summary>Every source that writes ETL runs.</summary>
    public static readonly IReadOnlyList<string> All = [CoinPaprika, CoinGecko, Csv, CoinGeckoHistory];

    public static bool IsKnown(string? source) => source is not null && All.Contains(source);
}
