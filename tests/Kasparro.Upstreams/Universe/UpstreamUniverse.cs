using System.Collections.Frozen;

namespace Kasparro.Upstreams.Universe;

/// <summary>The set of coins both fake APIs serve, with a snapshot number that moves forward when
/// <see cref="AdvanceSnapshot"/> changes some prices. Reads are lock-free: each snapshot is immutable.</summary>
public sealed class UpstreamUniverse
{
    /// <summary>The default "now" of a universe: the moment the sample CoinGecko object in the docs was taken.</summary>
    public static readonly DateTimeOffset DefaultAsOf = new(2025, 3, 29, 10, 22, 52, TimeSpan.Zero);

    private readonly Lock gate = new();
    private readonly FrozenDictionary<string, int> byGeckoId;
    private readonly FrozenDictionary<string, int> byPaprikaId;
    private UniverseSnapshot current;

    internal UpstreamUniverse(string name, int seed, UpstreamCoin[] coins, DateTimeOffset asOf)
    {
        Name = name;
        Seed = seed;
        Truth = new UpstreamTruth(coins);
        byGeckoId = coins.Where(c => c.GeckoId is not null).ToFrozenDictionary(c => c.GeckoId!, c => c.Index);
        byPaprikaId = coins.Where(c => c.PaprikaId is not null).ToFrozenDictionary(c => c.PaprikaId!, c => c.Index);
        GeckoOrder = coins.Where(c => c.GeckoId is not null)
            .OrderBy(c => c.GeckoRank ?? int.MaxValue).ThenByDescending(c => c.Volume24hUsd).ThenBy(c => c.Index)
            .Select(c => c.Index).ToArray();
        PaprikaOrder = coins.Where(c => c.PaprikaId is not null)
            .OrderBy(c => c.PaprikaRank == 0 ? int.MaxValue : c.PaprikaRank).ThenBy(c => c.Index)
            .Select(c => c.Index).ToArray();
        current = new UniverseSnapshot(0, asOf, coins);
        CreatedAsOf = asOf;
    }

    /// <summary>The "now" of snapshot 0; market-chart history is anchored here.</summary>
    public DateTimeOffset CreatedAsOf { get; }

    public string Name { get; }

    public int Seed { get; }

    /// <summary>Which source ids are the same real asset.</summary>
    public UpstreamTruth Truth { get; }

    /// <summary>0 at creation, +1 per <see cref="AdvanceSnapshot"/>.</summary>
    public int Snapshot => Volatile.Read(ref current).Number;

    /// <summary>The "now" of the current snapshot; market charts end here.</summary>
    public DateTimeOffset AsOf => Volatile.Read(ref current).AsOf;

    /// <summary>Every coin of the current snapshot, by <see cref="UpstreamCoin.Index"/>.</summary>
    public IReadOnlyList<UpstreamCoin> Coins => Volatile.Read(ref current).Coins;

    /// <summary>CoinGecko's listing order (market cap rank, unranked last), as coin indexes.</summary>
    internal int[] GeckoOrder { get; }

    /// <summary>CoinPaprika's listing order (rank, inactive last), as coin indexes.</summary>
    internal int[] PaprikaOrder { get; }

    internal UniverseSnapshot Current => Volatile.Read(ref current);

    /// <summary>The top ~200 coins as both APIs list them, with real ids and real symbol collisions.</summary>
    public static UpstreamUniverse RealTop200(DateTimeOffset? asOf = null) =>
        new("real-top-200", RealTop200Seeds.Seed, CoinFactory.Build(RealTop200Seeds.All, RealTop200Seeds.Seed, asOf ?? DefaultAsOf), asOf ?? DefaultAsOf);

    /// <summary>A synthetic universe of <paramref name="coins"/> assets listed identically by both APIs.</summary>
    public static UpstreamUniverse Generated(int coins, int seed, DateTimeOffset? asOf = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(coins, 1);
        var at = asOf ?? DefaultAsOf;
        return new($"generated-{coins}-{seed}", seed, CoinFactory.Build(GeneratedSeeds.Create(coins, seed), seed, at), at);
    }

    public UpstreamCoin? ByGeckoId(string id) => byGeckoId.TryGetValue(id, out var i) ? Coins[i] : null;

    public UpstreamCoin? ByPaprikaId(string id) => byPaprikaId.TryGetValue(id, out var i) ? Coins[i] : null;

    /// <summary>Moves to the next snapshot, changing the price and <c>last_updated</c> of exactly
    /// <paramref name="changedCount"/> coins (chosen deterministically from the seed and snapshot number).
    /// Every other coin is byte-for-byte the same as before.</summary>
    /// <param name="changedCount">How many coins change.</param>
    /// <param name="at">The new snapshot's "now"; defaults to five minutes after the previous one.</param>
    /// <returns>The changed coins, as they are now.</returns>
    public IReadOnlyList<UpstreamCoin> AdvanceSnapshot(int changedCount, DateTimeOffset? at = null)
    {
        lock (gate)
        {
            var before = current;
            ArgumentOutOfRangeException.ThrowIfNegative(changedCount);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(changedCount, before.Coins.Length);
            var number = before.Number + 1;
            var now = at ?? before.AsOf.AddMinutes(5);
            var rng = new Random(unchecked(Seed * 7919 + number));
            var indexes = Enumerable.Range(0, before.Coins.Length).ToArray();
            var coins = (UpstreamCoin[])before.Coins.Clone();
            var changed = new UpstreamCoin[changedCount];
            for (var i = 0; i < changedCount; i++)
            {
                // Partial Fisher-Yates: the first changedCount slots become a uniform deterministic sample.
                var j = i + rng.Next(indexes.Length - i);
                (indexes[i], indexes[j]) = (indexes[j], indexes[i]);
                changed[i] = coins[indexes[i]] = Move(coins[indexes[i]], rng, now);
            }

            Volatile.Write(ref current, new UniverseSnapshot(number, now, coins));
            return changed;
        }
    }

    private static UpstreamCoin Move(UpstreamCoin coin, Random rng, DateTimeOffset now)
    {
        var delta = (rng.Next(2) == 0 ? -1 : 1) * (0.002 + rng.NextDouble() * 0.03);
        var price = coin.PriceUsd * (1 + delta);
        // Paprika prints seconds only: keep the new time at least one whole second later so both APIs show a change.
        var earliest = TruncateToSecond(coin.LastUpdated).AddSeconds(1);
        var stamp = now.AddMilliseconds(-rng.Next(30_000));
        stamp = new DateTimeOffset(stamp.UtcTicks - stamp.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
        var newAth = coin.AthUsd is { } ath && price > ath;
        return coin with
        {
            PriceUsd = price,
            Change24hPct = Math.Round((coin.Change24hPct ?? 0) + delta * 100, 5),
            LastUpdated = stamp < earliest ? earliest : stamp,
            AthUsd = newAth ? price : coin.AthUsd,
            AthDate = newAth ? stamp : coin.AthDate,
        };
    }

    private static DateTimeOffset TruncateToSecond(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}

/// <summary>One immutable snapshot of a universe.</summary>
internal sealed record UniverseSnapshot(int Number, DateTimeOffset AsOf, UpstreamCoin[] Coins);
