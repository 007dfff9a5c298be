namespace Kasparro.Upstreams.Universe;

/// <summary>Seeds for a large synthetic universe: market caps fall off like the real market's (a power law
/// by rank), prices spread over thirteen orders of magnitude so tiny prices arrive in exponent form.</summary>
internal static class GeneratedSeeds
{
    public static CoinSeed[] Create(int count, int seed)
    {
        var rng = new Random(seed);
        var seeds = new CoinSeed[count];
        for (var i = 0; i < count; i++)
        {
            var number = i + 1;
            var code = ToBase36(number);
            var cap = 1.5e12 * Math.Pow(number, -1.6) * (0.8 + rng.NextDouble() * 0.4);
            var price = Math.Pow(10, -9 + rng.NextDouble() * 13);
            var circulating = Math.Round(cap / price);
            var capped = rng.NextDouble() < 0.6;
            seeds[i] = new CoinSeed(
                Key: $"generated-{number}",
                Name: $"Generated Coin {number}",
                GeckoId: $"generated-coin-{number}",
                GeckoSymbol: $"g{code}",
                PaprikaId: $"g{code}-generated-coin-{number}",
                PaprikaSymbol: $"G{code.ToUpperInvariant()}",
                PriceUsd: price,
                CirculatingSupply: circulating,
                MaxSupply: capped ? Math.Round(circulating * (1 + rng.NextDouble())) : null)
            {
                IsToken = rng.NextDouble() < 0.7,
            };
        }

        return seeds;
    }

    private static string ToBase36(int value)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var text = string.Empty;
        do
        {
            text = digits[value % 36] + text;
            value /= 36;
        }
        while (value > 0);
        return text;
    }
}
