namespace Kasparro.Ingestion.Quality;

/// <summary>
/// How a source's ids and rows behave for identity resolution, declared by the source's registration so the
/// resolver never asks which source it is. The default fits a market-data API: exact ids, each coin listed once,
/// no linking by ticker alone.
/// </summary>
public sealed record SourceIdentity
{
    /// <summary>An API that lists every coin once under an exact, stable id.</summary>
    public static SourceIdentity CoinListing { get; } = new();

    /// <summary>Ids typed by people (tickers): the curated list matches them case-insensitively.</summary>
    public bool SourceIdsIgnoreCase { get; init; }

    /// <summary>
    /// Whether the source lists each coin once, so a second id of it on an asset is another coin.
    /// False for files, whose rows may name a coin another row of the same source already linked.
    /// </summary>
    public bool ListsEachCoinOnce { get; init; } = true;

    /// <summary>When set, a row whose name and market cap matched nothing may still link by ticker alone.</summary>
    public SymbolOnlyLinking? SymbolOnly { get; init; }
}

/// <summary>Linking by ticker alone, for sources whose rows carry little more than a ticker.</summary>
/// <param name="Label">How the link's note names the source ("CSV symbol ETH only: ...").</param>
/// <param name="MaxCapRatio">
/// How far the row's market cap may be from the asset's and still link: loose for old snapshots, yet a token a
/// thousand times smaller is never the big coin.
/// </param>
public sealed record SymbolOnlyLinking(string Label, decimal MaxCapRatio);
