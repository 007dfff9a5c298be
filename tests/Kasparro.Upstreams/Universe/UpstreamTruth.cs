namespace Kasparro.Upstreams.Universe;

/// <summary>The ground truth of a universe: which source ids are the same real asset. Tests use it to count
/// linking mistakes (two ids merged that are different assets, or the same asset left split).</summary>
public sealed class UpstreamTruth
{
    internal UpstreamTruth(IReadOnlyList<UpstreamCoin> coins)
    {
        CoinGecko = coins.Where(c => c.GeckoId is not null).ToDictionary(c => c.GeckoId!, c => c.Key);
        CoinPaprika = coins.Where(c => c.PaprikaId is not null).ToDictionary(c => c.PaprikaId!, c => c.Key);
        SymbolCollisions = coins
            .SelectMany(c => new[] { c.GeckoSymbol, c.PaprikaSymbol }.OfType<string>()
                .Select(s => (Symbol: s.ToLowerInvariant(), c.Key)))
            .Distinct()
            .GroupBy(x => x.Symbol)
            .Where(g => g.Count() > 1)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(x => x.Key).Order(StringComparer.Ordinal).ToArray());
    }

    /// <summary>CoinGecko id (e.g. <c>bitcoin</c>) to canonical key.</summary>
    public IReadOnlyDictionary<string, string> CoinGecko { get; }

    /// <summary>CoinPaprika id (e.g. <c>btc-bitcoin</c>) to canonical key.</summary>
    public IReadOnlyDictionary<string, string> CoinPaprika { get; }

    /// <summary>Lowercase symbol to the canonical keys of every distinct asset using it, on either API,
    /// for symbols used by more than one asset.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> SymbolCollisions { get; }

    /// <summary>The canonical key of a source id, or null when that API does not list it.</summary>
    public string? KeyOf(UpstreamApi api, string sourceId) =>
        (api == UpstreamApi.CoinGecko ? CoinGecko : CoinPaprika).GetValueOrDefault(sourceId);

    /// <summary>True when the two ids are the same real asset.</summary>
    public bool IsSameAsset(string geckoId, string paprikaId) =>
        CoinGecko.TryGetValue(geckoId, out var a) && CoinPaprika.TryGetValue(paprikaId, out var b) && a == b;
}
