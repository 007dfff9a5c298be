namespace Kasparro.Upstreams;

/// <summary>Payload changes the real services have made without notice; combine freely. Items affected
/// "on some" are those with <see cref="Universe.UpstreamCoin.IsDriftTarget"/>.</summary>
[Flags]
public enum SchemaDrift
{
    None = 0,

    /// <summary>CoinGecko sends <c>currentPrice</c> instead of <c>current_price</c> on every item.</summary>
    GeckoCurrentPriceRenamed = 1,

    /// <summary>CoinGecko omits <c>symbol</c> on some items.</summary>
    GeckoSymbolMissingOnSome = 2,

    /// <summary>Both APIs add fields no client knows about, including nested objects and arrays.</summary>
    ExtraUnknownFields = 4,

    /// <summary>CoinPaprika omits <c>quotes.USD.price</c> on some items.</summary>
    PaprikaUsdPriceMissingOnSome = 8,

    /// <summary>CoinGecko sends <c>totalVolume</c> instead of <c>total_volume</c> on every item: an optional field renamed,
    /// so the records stay readable (volume unknown) and only the drift policy decides what happens to them.</summary>
    GeckoTotalVolumeRenamed = 16,
}
