namespace Kasparro.Upstreams.Universe;

/// <summary>One real-world asset as the fake upstreams list it: its identity on each API (either may be
/// absent) and the market state of the current snapshot. Money is <c>double</c> here on purpose: the fake
/// emits JSON numbers the way the real services do, exponent form included.</summary>
public sealed record UpstreamCoin
{
    /// <summary>The canonical asset key: the same key on both APIs when they list the same asset.</summary>
    public required string Key { get; init; }

    /// <summary>Position in the universe; stable across snapshots and used to pick schema-drift targets.</summary>
    public required int Index { get; init; }

    public required string Name { get; init; }

    public string? GeckoId { get; init; }

    /// <summary>Lowercase, as CoinGecko sends it.</summary>
    public string? GeckoSymbol { get; init; }

    /// <summary>CoinGecko's <c>market_cap_rank</c>; null for unranked coins.</summary>
    public int? GeckoRank { get; init; }

    public string? PaprikaId { get; init; }

    /// <summary>Uppercase, as CoinPaprika sends it.</summary>
    public string? PaprikaSymbol { get; init; }

    /// <summary>CoinPaprika's <c>rank</c>; 0 means inactive.</summary>
    public int PaprikaRank { get; init; }

    /// <summary>CoinPaprika's <c>type</c>: "coin" or "token".</summary>
    public string PaprikaType { get; init; } = "coin";

    /// <summary>The price CoinGecko reports, in USD.</summary>
    public required double PriceUsd { get; init; }

    /// <summary>The price at universe creation; market-chart history is anchored to it so it never moves
    /// when later snapshots change the current price.</summary>
    public required double InitialPriceUsd { get; init; }

    /// <summary>CoinPaprika's price is this factor times <see cref="PriceUsd"/> (the two aggregators never agree exactly).</summary>
    public double PaprikaPriceFactor { get; init; } = 1.0;

    /// <summary>Circulating supply; 0 when unknown, which makes the market cap unknown too.</summary>
    public required double CirculatingSupply { get; init; }

    public double? TotalSupply { get; init; }

    /// <summary>Null when uncapped (CoinGecko sends null, CoinPaprika sends 0).</summary>
    public double? MaxSupply { get; init; }

    public required double Volume24hUsd { get; init; }

    /// <summary>24 h price change in percent; null when the aggregator has no value.</summary>
    public double? Change24hPct { get; init; }

    public double? AthUsd { get; init; }

    public DateTimeOffset? AthDate { get; init; }

    public double? AtlUsd { get; init; }

    public DateTimeOffset? AtlDate { get; init; }

    public CoinRoi? Roi { get; init; }

    public required DateTimeOffset FirstDataAt { get; init; }

    public required DateTimeOffset LastUpdated { get; init; }

    /// <summary>A token of no value that shares a symbol with a real asset (a linking trap).</summary>
    public bool IsWorthless { get; init; }

    public double MarketCapUsd => PriceUsd * CirculatingSupply;

    public double PaprikaPriceUsd => PriceUsd * PaprikaPriceFactor;

    /// <summary>True for the coins that schema-drift variants alter (every fifth coin).</summary>
    public bool IsDriftTarget => Index % 5 == 4;
}

/// <summary>CoinGecko's <c>roi</c> object.</summary>
public sealed record CoinRoi(double Times, string Currency, double Percentage);
