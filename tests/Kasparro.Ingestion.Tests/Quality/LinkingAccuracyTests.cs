using Kasparro.Data;
using Kasparro.Ingestion.Quality;
using Npgsql;
using Xunit.Abstractions;

namespace Kasparro.Ingestion.Tests.Quality;

/// <summary>
/// Measures linking on a realistic top-30 universe: both APIs' real ids and names, CSV tickers, and lookalike tokens
/// that share a ticker with a big coin. Each row carries the truth ("which real coin is this"), so links, missed links
/// and false merges can be counted.
/// </summary>
public sealed class LinkingAccuracyTests(DatabaseFixture database, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private const decimal B = 1_000_000_000m;

    // (truth, coingecko id, cg symbol, cg name, cg cap, paprika id, paprika name, paprika cap, rank)
    private static readonly (string Truth, string GeckoId, string Name, decimal GeckoCap, string PaprikaId, string PaprikaName, decimal PaprikaCap, int Rank)[] Top =
    [
        ("BTC", "bitcoin", "Bitcoin", 1650 * B, "btc-bitcoin", "Bitcoin", 1640 * B, 1),
        ("ETH", "ethereum", "Ethereum", 228 * B, "eth-ethereum", "Ethereum", 230 * B, 2),
        ("USDT", "tether", "Tether", 144 * B, "usdt-tether", "Tether", 144 * B, 3),
        ("XRP", "ripple", "XRP", 125 * B, "xrp-xrp", "XRP", 124 * B, 4),
        ("BNB", "binancecoin", "BNB", 87 * B, "bnb-binance-coin", "Binance Coin", 86 * B, 5),
        ("SOL", "solana", "Solana", 64 * B, "sol-solana", "Solana", 64 * B, 6),
        ("USDC", "usd-coin", "USDC", 60 * B, "usdc-usd-coin", "USD Coin", 60 * B, 7),
        ("DOGE", "dogecoin", "Dogecoin", 25 * B, "doge-dogecoin", "Dogecoin", 25 * B, 8),
        ("ADA", "cardano", "Cardano", 23 * B, "ada-cardano", "Cardano", 23 * B, 9),
        ("TRX", "tron", "TRON", 22 * B, "trx-tron", "TRON", 22 * B, 10),
        ("STETH", "staked-ether", "Lido Staked Ether", 16 * B, "steth-lido-staked-ether", "Lido Staked Ether", 16 * B, 11),
        ("WBTC", "wrapped-bitcoin", "Wrapped Bitcoin", 10.5m * B, "wbtc-wrapped-bitcoin", "Wrapped Bitcoin", 10.4m * B, 12),
        ("LINK", "chainlink", "Chainlink", 9.5m * B, "link-chainlink", "Chainlink", 9.4m * B, 13),
        ("LEO", "leo-token", "LEO Token", 8.9m * B, "leo-leo-token", "UNUS SED LEO", 8.8m * B, 14),
        ("AVAX", "avalanche-2", "Avalanche", 8.5m * B, "avax-avalanche", "Avalanche", 8.4m * B, 15),
        ("TON", "the-open-network", "Toncoin", 8.3m * B, "ton-toncoin", "Toncoin", 8.2m * B, 16),
        ("XLM", "stellar", "Stellar", 8.1m * B, "xlm-stellar", "Stellar", 8.0m * B, 17),
        ("SHIB", "shiba-inu", "Shiba Inu", 7.5m * B, "shib-shiba-inu", "Shiba Inu", 7.4m * B, 18),
        ("HBAR", "hedera-hashgraph", "Hedera", 7.2m * B, "hbar-hedera-hashgraph", "Hedera", 7.1m * B, 19),
        ("SUI", "sui", "Sui", 7.0m * B, "sui-sui", "Sui", 6.9m * B, 20),
        ("LTC", "litecoin", "Litecoin", 6.9m * B, "ltc-litecoin", "Litecoin", 6.8m * B, 21),
        ("BCH", "bitcoin-cash", "Bitcoin Cash", 6.5m * B, "bch-bitcoin-cash", "Bitcoin Cash", 6.4m * B, 22),
        ("DOT", "polkadot", "Polkadot", 6.3m * B, "dot-polkadot", "Polkadot", 6.2m * B, 23),
        ("HYPE", "hyperliquid", "Hyperliquid", 5.9m * B, "hype-hyperliquid", "Hyperliquid", 5.8m * B, 24),
        ("BGB", "bitget-token", "Bitget Token", 5.5m * B, "bgb-bitget-token", "Bitget Token", 5.4m * B, 25),
        ("USDE", "ethena-usde", "Ethena USDe", 5.4m * B, "usde-ethena-usde", "Ethena USDe", 5.3m * B, 26),
        ("DAI", "dai", "Dai", 5.3m * B, "dai-dai", "Dai", 5.3m * B, 27),
        ("UNI", "uniswap", "Uniswap", 5.0m * B, "uni-uniswap", "Uniswap", 5.0m * B, 28),
        ("XMR", "monero", "Monero", 4.0m * B, "xmr-monero", "Monero", 4.0m * B, 29),
        ("PEPE", "pepe", "Pepe", 3.5m * B, "pepe-pepe", "Pepe", 3.4m * B, 30),
        ("NEAR", "near", "NEAR Protocol", 3.3m * B, "near-near-protocol", "NEAR Protocol", 3.3m * B, 31),
        ("CRO", "crypto-com-chain", "Cronos", 3.0m * B, "cro-cryptocom-chain", "Cronos", 3.0m * B, 32),
        ("POL", "polygon-ecosystem-token", "POL (ex-MATIC)", 2.4m * B, "pol-polygon-ecosystem-token", "Polygon Ecosystem Token", 2.4m * B, 33),
    ];

    // Other coins that share a ticker with a top coin; each is its own asset and must never merge with the big one.
    private static readonly (string Truth, AssetCandidate Row)[] Lookalikes =
    [
        ("TON-tokamak", new(SourceNames.CoinGecko, "tokamak-network", "ton", "Tokamak Network", 48_000_000m, 612)),
        ("TON-tokamak", new(SourceNames.CoinPaprika, "ton-tokamak-network", "TON", "Tokamak Network", 47_500_000m, 640)),
        ("ETH-fake-1", new(SourceNames.CoinGecko, "ethereum-token-bsc", "eth", "Ethereum Token", 12_000m, null)),
        ("ETH-fake-2", new(SourceNames.CoinPaprika, "eth-ethereum-meme", "ETH", "Ethereum Meme", 9_500m, 4012)),
        ("ETH-fake-3", new(SourceNames.CoinGecko, "ethereum-wormhole-legacy", "eth", "Ethereum", null, null)),
        ("BTC-fake", new(SourceNames.CoinGecko, "bitcoin-on-base", "btc", "Bitcoin on Base", 48_000m, null)),
        ("USDT-fake", new(SourceNames.CoinGecko, "tether-bridged-fake", "usdt", "Tether", 0m, null)),
        ("PEPE-based", new(SourceNames.CoinGecko, "based-pepe", "pepe", "Based Pepe", 2_000_000m, 2100)),
        ("UNI-unicorn", new(SourceNames.CoinPaprika, "uni-unicorn-token", "UNI", "Unicorn Token", 150_000m, 3900)),
    ];

    private static readonly (string Truth, AssetCandidate Row)[] CsvRows =
    [
        ("BTC", new(SourceNames.Csv, "BTC", "BTC", null, null, null)),
        ("ETH", new(SourceNames.Csv, "ETH", "ETH", null, null, null)),
        ("USDT", new(SourceNames.Csv, "USDT", "USDT", "Tether", null, null)),
        ("XRP", new(SourceNames.Csv, "XRP", "XRP", null, null, null)),
        ("BNB", new(SourceNames.Csv, "BNB", "BNB", "Binance Coin", null, null)),
        ("SOL", new(SourceNames.Csv, "SOL", "SOL", "Solana", 63 * B, null)),
        ("TON", new(SourceNames.Csv, "TON", "TON", "Toncoin", null, null)),
        ("LEO", new(SourceNames.Csv, "LEO", "LEO", null, null, null)),
        ("PEPE", new(SourceNames.Csv, "PEPE", "PEPE", null, null, null)),
        ("UNI", new(SourceNames.Csv, "UNI", "UNI", "Uniswap", null, null)),
        ("DOGE", new(SourceNames.Csv, "DOGE", "DOGE", null, 24 * B, null)),
    ];

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public async Task Top_coins_link_across_sources_and_lookalikes_never_merge(bool withOverrides, bool geckoFirst)
    {
        await database.ResetAsync();
        var rows = Rows();
        var gecko = rows.Where(r => r.Row.Source == SourceNames.CoinGecko).Select(r => r.Row);
        var paprika = rows.Where(r => r.Row.Source == SourceNames.CoinPaprika).Select(r => r.Row);
        var csv = rows.Where(r => r.Row.Source == SourceNames.Csv).Select(r => r.Row);

        // One batch per source and run, as the ingestion runs them; the CSV comes last, as an upload would.
        var ids = new Dictionary<(string Source, string SourceId), string>();
        foreach (var batch in geckoFirst ? new[] { gecko, paprika, csv } : [paprika, gecko, csv])
        {
            foreach (var (key, id) in await ResolveBatchAsync(withOverrides ? AssetOverrides.LoadDefault() : AssetOverrides.Empty, batch))
            {
                ids[key] = id;
            }
        }

        var resolved = rows.Select(r => (r.Truth, Id: ids[(r.Row.Source, r.Row.SourceId)], r.Row)).ToList();
        int linked = 0, missed = 0, falseMerges = 0;
        foreach (var (a, i) in resolved.Select((r, i) => (r, i)))
        {
            foreach (var b in resolved.Skip(i + 1))
            {
                var same = a.Id == b.Id;
                if (a.Truth == b.Truth)
                {
                    (linked, missed) = same ? (linked + 1, missed) : (linked, missed + 1);
                }
                else if (same)
                {
                    falseMerges++;
                    output.WriteLine($"FALSE MERGE: {a.Row.Source}/{a.Row.SourceId} and {b.Row.Source}/{b.Row.SourceId} -> {a.Id}");
                }
            }
        }

        var lookalikeTruths = Lookalikes.Select(l => l.Truth).ToHashSet();
        var keptSeparate = resolved.Where(r => lookalikeTruths.Contains(r.Truth))
            .Count(r => resolved.All(o => o.Id != r.Id || o.Truth == r.Truth));
        foreach (var (truth, id, row) in resolved.Where(r => resolved.Any(o => o.Truth == r.Truth && o.Id != r.Id)))
        {
            output.WriteLine($"missed link: {truth} {row.Source}/{row.SourceId} -> {id}");
        }

        var assets = await database.ScalarAsync<long>("SELECT count(*) FROM assets");
        output.WriteLine("rules: " + await database.ScalarAsync<string>(
            "SELECT string_agg(rule || '=' || n, ' ' ORDER BY rule) FROM (SELECT rule, count(*) AS n FROM asset_mappings GROUP BY rule) r"));
        output.WriteLine(
            $"overrides={withOverrides} geckoFirst={geckoFirst}: rows={resolved.Count} truths={resolved.Select(r => r.Truth).Distinct().Count()} " +
            $"assets={assets} same-coin pairs linked={linked} missed={missed} lookalike rows kept separate={keptSeparate}/{resolved.Count(r => lookalikeTruths.Contains(r.Truth))} false merges={falseMerges}");

        Assert.Equal(0, falseMerges);
        Assert.Equal(resolved.Count(r => lookalikeTruths.Contains(r.Truth)), keptSeparate);
        Assert.Equal(0, missed);
        Assert.Equal(resolved.Select(r => r.Truth).Distinct().Count(), assets);
    }

    [Fact]
    public async Task A_full_universe_resolves_and_flushes_with_one_asset_per_coin()
    {
        await database.ResetAsync();
        // 15,000 CoinGecko coins where every tenth shares its ticker with a bigger one, then the same coins from CoinPaprika.
        var gecko = Enumerable.Range(1, 15_000)
            .Select(i => new AssetCandidate(SourceNames.CoinGecko, $"coin-{i}", $"s{(i % 10 == 0 ? i - 1 : i)}", $"Coin {i}", 1_000_000_000_000m / i, i))
            .ToList();
        var paprika = gecko.Take(2_000)
            .Select(g => new AssetCandidate(SourceNames.CoinPaprika, $"{g.Symbol}-coin-{g.Rank}", g.Symbol.ToUpperInvariant(), g.Name, g.MarketCapUsd * 0.98m, g.Rank))
            .ToList();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var geckoIds = await ResolveBatchAsync(AssetOverrides.LoadDefault(), gecko);
        var geckoElapsed = clock.Elapsed;
        clock.Restart();
        var paprikaIds = await ResolveBatchAsync(AssetOverrides.LoadDefault(), paprika);
        output.WriteLine($"resolve+flush: 15,000 new coins {geckoElapsed.TotalMilliseconds:0} ms; 2,000 linked coins {clock.Elapsed.TotalMilliseconds:0} ms (incl. load)");

        Assert.Equal(15_000, await database.ScalarAsync<long>("SELECT count(*) FROM assets"));
        Assert.Equal(17_000, await database.ScalarAsync<long>("SELECT count(*) FROM asset_mappings"));
        Assert.All(paprika.Zip(gecko), p => Assert.Equal(geckoIds[(SourceNames.CoinGecko, p.Second.SourceId)], paprikaIds[(SourceNames.CoinPaprika, p.First.SourceId)]));
    }

    private static List<(string Truth, AssetCandidate Row)> Rows() =>
    [
        .. Top.SelectMany(t => new (string, AssetCandidate)[]
        {
            (t.Truth, new AssetCandidate(SourceNames.CoinGecko, t.GeckoId, t.Truth.ToLowerInvariant(), t.Name, t.GeckoCap, t.Rank)),
            (t.Truth, new AssetCandidate(SourceNames.CoinPaprika, t.PaprikaId, t.Truth, t.PaprikaName, t.PaprikaCap, t.Rank)),
        }),
        .. Lookalikes,
        .. CsvRows,
    ];

    private async Task<Dictionary<(string Source, string SourceId), string>> ResolveBatchAsync(AssetOverrides overrides, IEnumerable<AssetCandidate> batch)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        var resolver = await AssetResolver.LoadAsync(connection, overrides, TimeProvider.System, CancellationToken.None);
        var ids = resolver.ResolveAll(batch);
        await using var transaction = await connection.BeginTransactionAsync();
        await resolver.FlushAsync(connection, transaction, CancellationToken.None);
        await transaction.CommitAsync();
        return ids;
    }
}
