namespace Kasparro.Upstreams.Universe;

/// <summary>Turns <see cref="CoinSeed"/>s into full coins: plausible volumes, supplies, ATH/ATL, ROI and
/// timestamps from a per-coin seeded random, then ranks on each API by that API's own market cap.</summary>
internal static class CoinFactory
{
    private static readonly string[] RoiCurrencies = ["usd", "btc", "eth"];

    public static UpstreamCoin[] Build(IReadOnlyList<CoinSeed> seeds, int seed, DateTimeOffset asOf)
    {
        var coins = new UpstreamCoin[seeds.Count];
        for (var i = 0; i < seeds.Count; i++)
        {
            coins[i] = Build(seeds[i], i, new Random(unchecked(seed * 1_000_003 + i)), asOf);
        }

        return Rank(coins, seeds);
    }

    private static UpstreamCoin Build(CoinSeed s, int index, Random rng, DateTimeOffset asOf)
    {
        var cap = s.PriceUsd * s.CirculatingSupply;
        double? total = s.MaxSupply is { } max
            ? Math.Min(max, s.CirculatingSupply * (1 + rng.NextDouble() * 0.2))
            : rng.NextDouble() < 0.1 ? null : Math.Round(s.CirculatingSupply * (1 + rng.NextDouble() * 0.3));
        // Real assets have at least a year of history (the demo plan's chart reach); worthless copies are young.
        var firstData = s.FirstDataAt?.UtcDateTime ?? asOf.UtcDateTime.Date.AddDays(-(s.IsWorthless ? 60 + rng.Next(600) : 400 + rng.Next(3600)));
        var sinceFirst = (asOf.UtcDateTime - firstData).TotalDays;
        var athDate = Millis(asOf.AddDays(-rng.NextDouble() * Math.Min(1500, sinceFirst - 1)));
        var hasHistory = !s.IsWorthless || rng.NextDouble() < 0.5;
        return new UpstreamCoin
        {
            Key = s.Key,
            Index = index,
            Name = s.Name,
            GeckoId = s.GeckoId,
            GeckoSymbol = s.GeckoSymbol,
            PaprikaId = s.PaprikaId,
            PaprikaSymbol = s.PaprikaSymbol,
            PaprikaType = s.IsToken ? "token" : "coin",
            PriceUsd = s.PriceUsd,
            InitialPriceUsd = s.PriceUsd,
            PaprikaPriceFactor = 1 + (rng.NextDouble() - 0.5) * 0.006,
            CirculatingSupply = s.CirculatingSupply,
            TotalSupply = total,
            MaxSupply = s.MaxSupply,
            Volume24hUsd = s.IsWorthless ? Math.Round(rng.NextDouble() * 40, 2) : cap * (0.005 + rng.NextDouble() * 0.12),
            Change24hPct = hasHistory ? Math.Round((rng.NextDouble() - 0.5) * 9, 5) : null,
            AthUsd = hasHistory ? s.PriceUsd * (1.05 + Math.Pow(rng.NextDouble(), 2) * 15) : null,
            AthDate = hasHistory ? athDate : null,
            AtlUsd = hasHistory ? s.PriceUsd * (0.0005 + rng.NextDouble() * 0.5) : null,
            AtlDate = hasHistory ? new DateTimeOffset(firstData.AddDays(rng.Next(60)), TimeSpan.Zero) : null,
            Roi = rng.NextDouble() < 0.12
                ? RoiOf(rng.NextDouble() * 60, RoiCurrencies[rng.Next(RoiCurrencies.Length)])
                : null,
            FirstDataAt = new DateTimeOffset(firstData, TimeSpan.Zero),
            LastUpdated = Millis(asOf.AddSeconds(-rng.NextDouble() * 120)),
            IsWorthless = s.IsWorthless,
        };
    }

    private static CoinRoi RoiOf(double times, string currency) => new(times, currency, times * 100);

    private static DateTimeOffset Millis(DateTimeOffset t) =>
        new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    /// <summary>Each API ranks by its own market cap: CoinGecko leaves coins without a known cap unranked,
    /// CoinPaprika gives inactive coins rank 0.</summary>
    private static UpstreamCoin[] Rank(UpstreamCoin[] coins, IReadOnlyList<CoinSeed> seeds)
    {
        var geckoRanked = coins
            .Where(c => c.GeckoId is not null && c.CirculatingSupply > 0)
            .OrderByDescending(c => c.MarketCapUsd).ThenBy(c => c.Index)
            .Select((c, i) => (c.Index, Rank: i + 1))
            .ToDictionary(x => x.Index, x => x.Rank);
        var paprikaRanked = coins
            .Where(c => c.PaprikaId is not null && !seeds[c.Index].PaprikaInactive)
            .OrderByDescending(c => c.PaprikaPriceUsd * c.CirculatingSupply).ThenBy(c => c.Index)
            .Select((c, i) => (c.Index, Rank: i + 1))
            .ToDictionary(x => x.Index, x => x.Rank);
        return coins
            .Select(c => c with
            {
                GeckoRank = geckoRanked.TryGetValue(c.Index, out var g) ? g : null,
                PaprikaRank = paprikaRanked.GetValueOrDefault(c.Index),
            })
            .ToArray();
    }
}
