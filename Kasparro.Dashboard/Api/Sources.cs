namespace Kasparro.Dashboard.Api;

/// <summary>The source names the API accepts in <c>source</c> filters.</summary>
public static class Sources
{
    public const string CoinPaprika = "coinpaprika";
    public const string CoinGecko = "coingecko";
    public const string Csv = "csv";
    public const string CoinGeckoHistory = "coingecko-history";

    /// <summary>Sources of price snapshots (what <c>POST /trigger-etl</c> runs when no source is given).</summary>
    public static readonly IReadOnlyList<string> Snapshot = [CoinPaprika, CoinGecko, Csv];

    /// <summary>Every source a run can have.</summary>
    public static readonly IReadOnlyList<string> Runs = [CoinPaprika, CoinGecko, Csv, CoinGeckoHistory];

    /// <summary>A name for people: "CoinGecko" rather than "coingecko".</summary>
    public static string DisplayName(string source) => source switch
    {
        CoinPaprika => "CoinPaprika",
        CoinGecko => "CoinGecko",
        Csv => "CSV",
        CoinGeckoHistory => "CoinGecko history",
        _ => source,
    };
}
