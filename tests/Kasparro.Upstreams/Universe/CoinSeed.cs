namespace Kasparro.Upstreams.Universe;

/// <summary>The hand-picked facts of one coin; <see cref="CoinFactory"/> fills in the rest deterministically.</summary>
/// <param name="Key">Canonical asset key.</param>
/// <param name="Name">Display name.</param>
/// <param name="GeckoId">CoinGecko id, or null when CoinGecko does not list it.</param>
/// <param name="GeckoSymbol">CoinGecko symbol (lowercase).</param>
/// <param name="PaprikaId">CoinPaprika id, or null when CoinPaprika does not list it.</param>
/// <param name="PaprikaSymbol">CoinPaprika symbol (uppercase).</param>
/// <param name="PriceUsd">Price in USD.</param>
/// <param name="CirculatingSupply">Circulating supply; 0 when unknown (market cap unknown).</param>
/// <param name="MaxSupply">Max supply, null when uncapped.</param>
internal sealed record CoinSeed(
    string Key,
    string Name,
    string? GeckoId,
    string? GeckoSymbol,
    string? PaprikaId,
    string? PaprikaSymbol,
    double PriceUsd,
    double CirculatingSupply,
    double? MaxSupply)
{
    public bool IsWorthless { get; init; }

    public bool IsToken { get; init; }

    /// <summary>When the aggregators' history starts; null lets the factory pick a plausible age.</summary>
    public DateTimeOffset? FirstDataAt { get; init; }

    /// <summary>CoinPaprika lists the coin but no longer tracks it (<c>rank: 0</c>, <c>is_active: false</c>).</summary>
    public bool PaprikaInactive { get; init; }
}
