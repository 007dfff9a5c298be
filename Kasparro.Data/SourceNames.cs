namespace Kasparro.Data;

/// <summary>One source the platform knows: its tag, its name for people, and whether it writes price snapshots.</summary>
/// <param name="Name">The tag stored with every record and accepted by the API's <c>source</c> filters.</param>
/// <param name="DisplayName">A name for people: "CoinGecko" rather than "coingecko".</param>
/// <param name="Snapshot">Whether its records land in the normalized table (what <c>POST /trigger-etl</c> runs without a source).</param>
public sealed record SourceInfo(string Name, string DisplayName, bool Snapshot)
{
    /// <summary>
    /// Default freshness target: the age of the last successful run that makes the source warn (from its default
    /// schedule: the snapshots run every 10 minutes, so 3 missed runs); <c>Sources:{name}:Freshness</c> overrides it.
    /// </summary>
    public TimeSpan WarnAfter { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Default age of the last successful run that makes the source an error.</summary>
    public TimeSpan ErrorAfter { get; init; } = TimeSpan.FromHours(2);
}

/// <summary>
/// The sources the API accepts and lists (<c>GET /sources</c>, which the dashboard reads its source list from).
/// The ingestion registers each source's reader once (<c>AddXxxSource()</c>); this catalog is what the other
/// services know of it: one line per source.
/// </summary>
public static class SourceNames
{
    public const string CoinPaprika = "coinpaprika";
    public const string CoinGecko = "coingecko";
    public const string Csv = "csv";
    /// <summary>Backfilled CoinGecko market charts (history only).</summary>
    public const string CoinGeckoHistory = "coingecko-history";

    /// <summary>Every source that writes ETL runs, in the order people see them.</summary>
    public static readonly IReadOnlyList<SourceInfo> Catalog =
    [
        new(CoinPaprika, "CoinPaprika", Snapshot: true),
        new(CoinGecko, "CoinGecko", Snapshot: true),
        // The CSV folder is read every 5 minutes, the history backfill hourly.
        new(Csv, "CSV", Snapshot: true) { WarnAfter = TimeSpan.FromMinutes(20), ErrorAfter = TimeSpan.FromHours(1) },
        new(CoinGeckoHistory, "CoinGecko history", Snapshot: false) { WarnAfter = TimeSpan.FromHours(3), ErrorAfter = TimeSpan.FromDays(1) },
    ];

    /// <summary>Sources whose records land in the normalized table.</summary>
    public static readonly IReadOnlyList<string> Snapshot = Catalog.Where(s => s.Snapshot).Select(s => s.Name).ToList();

    /// <summary>Every source that writes ETL runs.</summary>
    public static readonly IReadOnlyList<string> All = Catalog.Select(s => s.Name).ToList();

    public static bool IsKnown(string? source) => source is not null && All.Contains(source);

    /// <summary>The catalog's entry for the source; an unlisted source gets its tag as name and the default targets.</summary>
    public static SourceInfo Info(string source) => Catalog.FirstOrDefault(s => s.Name == source) ?? new SourceInfo(source, source, Snapshot: false);
}
