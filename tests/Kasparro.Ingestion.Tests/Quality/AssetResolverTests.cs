using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.Quality;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Quality;

public sealed class AssetResolverTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly AssetCandidate GeckoBitcoin = new(SourceNames.CoinGecko, "bitcoin", "btc", "Bitcoin", 1_656_538_234_098m, 1);
    private static readonly AssetCandidate PaprikaBitcoin = new(SourceNames.CoinPaprika, "btc-bitcoin", "BTC", "Bitcoin", 1_426_427_932_261m, 1);
    private static readonly AssetCandidate CsvBitcoin = new(SourceNames.Csv, "BTC", "BTC", null, null, null);
    private static readonly AssetCandidate GeckoEthereum = new(SourceNames.CoinGecko, "ethereum", "eth", "Ethereum", 228_000_000_000m, 2);
    private static readonly AssetCandidate PaprikaEthereum = new(SourceNames.CoinPaprika, "eth-ethereum", "ETH", "Ethereum", 231_000_000_000m, 2);

    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Bitcoin_from_three_sources_is_one_asset_with_three_mappings()
    {
        var ids = await ResolveAndFlushAsync(AssetOverrides.LoadDefault(), GeckoBitcoin, PaprikaBitcoin, CsvBitcoin);

        Assert.All(ids.Values, id => Assert.Equal("btc-bitcoin", id));
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM assets"));
        Assert.Equal(3, await database.ScalarAsync<long>("SELECT count(*) FROM asset_mappings WHERE asset_id = 'btc-bitcoin'"));

        var mappings = await MappingsAsync();
        Assert.Equal(MappingRules.NewAsset, mappings[(SourceNames.CoinGecko, "bitcoin")].Rule);
        Assert.Equal(MappingRules.SymbolAndName, mappings[(SourceNames.CoinPaprika, "btc-bitcoin")].Rule);
        Assert.Equal(0.95m, mappings[(SourceNames.CoinPaprika, "btc-bitcoin")].Confidence);
        Assert.Equal(MappingRules.SymbolOnly, mappings[(SourceNames.Csv, "BTC")].Rule);
        Assert.Equal(1_656_538_234_098m, await database.ScalarAsync<decimal>("SELECT market_cap_usd FROM assets WHERE id = 'btc-bitcoin'"));
    }

    [Fact]
    public async Task Two_coins_of_one_source_sharing_a_symbol_stay_two_assets_and_the_bigger_gets_the_plain_slug()
    {
        // Both called "Bitcoin Gold" style names on purpose: a shared symbol and name must still not merge two ids of one source.
        var big = new AssetCandidate(SourceNames.CoinGecko, "bitcoin-gold", "btg", "Bitcoin Gold", 420_000_000m, 310);
        var small = new AssetCandidate(SourceNames.CoinGecko, "bitcoin-gold-token", "btg", "Bitcoin Gold", 95_000m, null);

        var ids = await ResolveAndFlushAsync(AssetOverrides.Empty, small, big);

        Assert.Equal("btg-bitcoin-gold", ids[(SourceNames.CoinGecko, "bitcoin-gold")]);
        Assert.Equal("btg-bitcoin-gold-bitcoin-gold-token", ids[(SourceNames.CoinGecko, "bitcoin-gold-token")]);
        Assert.Equal(2, await database.ScalarAsync<long>("SELECT count(*) FROM assets WHERE symbol = 'BTG'"));
    }

    [Fact]
    public async Task A_worthless_token_sharing_the_ETH_ticker_never_links_to_Ethereum()
    {
        // Named to look like Ethereum once the filler word "token" is dropped; only the market cap tells them apart.
        var fakeGecko = new AssetCandidate(SourceNames.CoinGecko, "ethereum-token-bsc", "eth", "Ethereum Token", 12_000m, null);
        var fakePaprika = new AssetCandidate(SourceNames.CoinPaprika, "eth-ethereum-token", "ETH", "Ethereum Token", 9_500m, 4012);
        var csvEth = new AssetCandidate(SourceNames.Csv, "ETH", "ETH", null, null, null);

        // Fed one by one, worthless tokens first: the rules, not the order, must keep them apart.
        await using var connection = await OpenAsync();
        var resolver = await AssetResolver.LoadAsync(connection, AssetOverrides.Empty, TimeProvider.System, CancellationToken.None);
        var fakeGeckoId = resolver.Resolve(fakeGecko);
        var fakePaprikaId = resolver.Resolve(fakePaprika);
        var ethereumId = resolver.Resolve(GeckoEthereum);
        var paprikaEthereumId = resolver.Resolve(PaprikaEthereum);
        var csvId = resolver.Resolve(csvEth);
        await FlushAsync(resolver, connection);

        Assert.Equal("eth-ethereum", ethereumId);
        Assert.Equal(ethereumId, paprikaEthereumId);
        Assert.Equal(ethereumId, csvId);
        Assert.NotEqual(ethereumId, fakeGeckoId);
        Assert.NotEqual(ethereumId, fakePaprikaId);
        Assert.Equal(0, await database.ScalarAsync<long>(
            "SELECT count(*) FROM asset_mappings WHERE asset_id = 'eth-ethereum' AND source_id IN ('ethereum-token-bsc', 'eth-ethereum-token')"));
        // The larger of the two sources' caps is kept.
        Assert.Equal(231_000_000_000m,
            await database.ScalarAsync<decimal>("SELECT market_cap_usd FROM assets WHERE id = 'eth-ethereum'"));
    }

    [Fact]
    public async Task Binance_coin_ids_of_both_apis_resolve_through_the_curated_override()
    {
        var gecko = new AssetCandidate(SourceNames.CoinGecko, "binancecoin", "bnb", "BNB", 86_000_000_000m, 5);
        var paprika = new AssetCandidate(SourceNames.CoinPaprika, "bnb-binance-coin", "BNB", "Binance Coin", 85_500_000_000m, 5);

        var ids = await ResolveAndFlushAsync(AssetOverrides.LoadDefault(), gecko, paprika);

        Assert.Equal("bnb-binance-coin", ids[(SourceNames.CoinGecko, "binancecoin")]);
        Assert.Equal("bnb-binance-coin", ids[(SourceNames.CoinPaprika, "bnb-binance-coin")]);
        var mappings = await MappingsAsync();
        Assert.All(mappings.Values, m =>
        {
            Assert.Equal(MappingRules.Override, m.Rule);
            Assert.True(m.IsManual);
            Assert.Equal(1m, m.Confidence);
        });
    }

    [Fact]
    public async Task Rerunning_resolution_in_another_order_gives_the_same_ids_and_adds_no_rows()
    {
        AssetCandidate[] batch =
        [
            GeckoBitcoin, PaprikaBitcoin, CsvBitcoin, GeckoEthereum, PaprikaEthereum,
            new(SourceNames.CoinGecko, "ethereum-token-bsc", "eth", "Ethereum Token", 12_000m, null),
            new(SourceNames.CoinGecko, "binancecoin", "bnb", "BNB", 86_000_000_000m, 5),
            new(SourceNames.CoinPaprika, "bnb-binance-coin", "BNB", "BNB", 85_500_000_000m, 5),
            new(SourceNames.Csv, "BNB", "BNB", "Binance Coin", null, null),
        ];
        var first = await ResolveAndFlushAsync(AssetOverrides.LoadDefault(), batch);
        var assets = await database.ScalarAsync<long>("SELECT count(*) FROM assets");
        var mappings = await database.ScalarAsync<long>("SELECT count(*) FROM asset_mappings");
        var linkedAt = await database.ScalarAsync<DateTime>("SELECT max(linked_at) FROM asset_mappings");

        var second = await ResolveAndFlushAsync(AssetOverrides.LoadDefault(), batch.Reverse().ToArray());

        Assert.Equal(first.OrderBy(p => p.Key), second.OrderBy(p => p.Key));
        Assert.Equal(assets, await database.ScalarAsync<long>("SELECT count(*) FROM assets"));
        Assert.Equal(mappings, await database.ScalarAsync<long>("SELECT count(*) FROM asset_mappings"));
        Assert.Equal(linkedAt, await database.ScalarAsync<DateTime>("SELECT max(linked_at) FROM asset_mappings"));
    }

    [Fact]
    public async Task A_fresh_database_gives_the_same_ids_whatever_the_input_order()
    {
        AssetCandidate[] batch =
        [
            new(SourceNames.CoinGecko, "ethereum-token-bsc", "eth", "Ethereum Token", 12_000m, null),
            GeckoEthereum,
            new(SourceNames.CoinGecko, "ethereum-wormhole", "eth", "Ethereum", null, null),
        ];
        var first = await ResolveAndFlushAsync(AssetOverrides.Empty, batch);
        await database.ResetAsync();
        var second = await ResolveAndFlushAsync(AssetOverrides.Empty, batch.Reverse().ToArray());

        Assert.Equal(first.OrderBy(p => p.Key), second.OrderBy(p => p.Key));
        Assert.Equal("eth-ethereum", first[(SourceNames.CoinGecko, "ethereum")]);
    }

    [Fact]
    public async Task A_manual_mapping_is_never_changed_by_the_automatic_rules()
    {
        await ResolveAndFlushAsync(AssetOverrides.Empty, GeckoEthereum, new AssetCandidate(SourceNames.CoinGecko, "ethereum-classic", "etc", "Ethereum Classic", 2_400_000_000m, 30));
        // A person decided that this CSV's "ETH" rows are really Ethereum Classic (an old export): the rules would say Ethereum.
        await using (var connection = await OpenAsync())
        await using (var command = new NpgsqlCommand("""
            INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, note, linked_at)
            VALUES ('csv', 'ETH', 'etc-ethereum-classic', 'override', 1, true, 'checked by hand', now())
            """, connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        var ids = await ResolveAndFlushAsync(AssetOverrides.Empty,
            new AssetCandidate(SourceNames.Csv, "ETH", "ETH", "Ethereum", null, null), PaprikaEthereum);

        Assert.Equal("etc-ethereum-classic", ids[(SourceNames.Csv, "ETH")]);
        var mapping = (await MappingsAsync())[(SourceNames.Csv, "ETH")];
        Assert.Equal("etc-ethereum-classic", mapping.AssetId);
        Assert.True(mapping.IsManual);
        Assert.Equal("checked by hand", mapping.Note);
    }

    [Fact]
    public async Task The_override_list_replaces_an_older_automatic_link_but_not_a_manual_one()
    {
        // Before the override existed, CoinGecko's "BNB" and CoinPaprika's "Binance Coin" were linked by rules to an asset of their own.
        await ResolveAndFlushAsync(AssetOverrides.Empty, new AssetCandidate(SourceNames.CoinGecko, "binancecoin", "bnb", "BNB", 86_000_000_000m, 5));
        Assert.Equal("bnb-bnb", (await MappingsAsync())[(SourceNames.CoinGecko, "binancecoin")].AssetId);

        var ids = await ResolveAndFlushAsync(AssetOverrides.LoadDefault(), new AssetCandidate(SourceNames.CoinGecko, "binancecoin", "bnb", "BNB", 86_000_000_000m, 5));

        Assert.Equal("bnb-binance-coin", ids[(SourceNames.CoinGecko, "binancecoin")]);
        var mapping = (await MappingsAsync())[(SourceNames.CoinGecko, "binancecoin")];
        Assert.Equal(("bnb-binance-coin", MappingRules.Override, true), (mapping.AssetId, mapping.Rule, mapping.IsManual));
        Assert.Contains("bnb-bnb", mapping.Note);
    }

    [Fact]
    public async Task A_CSV_symbol_links_to_the_largest_asset_with_that_symbol_and_says_so()
    {
        var ids = await ResolveAndFlushAsync(AssetOverrides.Empty,
            GeckoEthereum,
            new AssetCandidate(SourceNames.CoinGecko, "ethereum-token-bsc", "eth", "Ethereum Token", 12_000m, null),
            new AssetCandidate(SourceNames.CoinGecko, "eth-meme", "eth", "ETH Meme", 3_000m, null),
            new AssetCandidate(SourceNames.Csv, "ETH", "ETH", null, null, null));

        Assert.Equal("eth-ethereum", ids[(SourceNames.Csv, "ETH")]);
        var mapping = (await MappingsAsync())[(SourceNames.Csv, "ETH")];
        Assert.Equal(MappingRules.SymbolOnly, mapping.Rule);
        Assert.Equal(AssetResolver.SymbolOnlyConfidence, mapping.Confidence);
        Assert.Equal("CSV symbol ETH only: most plausible of 3 assets with that symbol (largest market cap)", mapping.Note);
    }

    [Fact]
    public async Task A_CSV_name_is_preferred_over_the_largest_market_cap()
    {
        var ids = await ResolveAndFlushAsync(AssetOverrides.Empty,
            new AssetCandidate(SourceNames.CoinGecko, "bitcoin-gold", "btg", "Bitcoin Gold", 420_000_000m, 310),
            new AssetCandidate(SourceNames.CoinGecko, "bitgesell", "btg", "Bitgesell", 1_000_000m, null),
            new AssetCandidate(SourceNames.Csv, "BTG", "BTG", "Bitgesell", null, null));

        Assert.Equal("btg-bitgesell", ids[(SourceNames.Csv, "BTG")]);
        Assert.Equal(MappingRules.SymbolAndName, (await MappingsAsync())[(SourceNames.Csv, "BTG")].Rule);
    }

    [Fact]
    public async Task Same_symbol_with_a_different_name_links_when_market_caps_agree()
    {
        var ids = await ResolveAndFlushAsync(AssetOverrides.Empty,
            new AssetCandidate(SourceNames.CoinGecko, "usd-coin", "usdc", "USDC", 60_100_000_000m, 7),
            new AssetCandidate(SourceNames.CoinPaprika, "usdc-usd-coin", "USDC", "USD Coin", 59_800_000_000m, 7));

        Assert.Equal(ids[(SourceNames.CoinGecko, "usd-coin")], ids[(SourceNames.CoinPaprika, "usdc-usd-coin")]);
        var mapping = (await MappingsAsync())[(SourceNames.CoinPaprika, "usdc-usd-coin")];
        Assert.Equal((MappingRules.SymbolAndMarketCap, AssetResolver.SymbolAndMarketCapConfidence), (mapping.Rule, mapping.Confidence));
    }

    [Fact]
    public async Task Pending_state_is_dropped_on_reload_after_a_rollback()
    {
        await using var connection = await OpenAsync();
        var resolver = await AssetResolver.LoadAsync(connection, AssetOverrides.Empty, TimeProvider.System, CancellationToken.None);
        resolver.Resolve(GeckoBitcoin);
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await resolver.FlushAsync(connection, transaction, CancellationToken.None);
            await transaction.RollbackAsync();
        }

        await resolver.ReloadAsync(connection, CancellationToken.None);
        Assert.Empty(resolver.PendingAssets);
        Assert.Equal("btc-bitcoin", resolver.Resolve(GeckoBitcoin));
        Assert.Single(resolver.PendingAssets);
        Assert.Single(resolver.PendingMappings);
    }

    private async Task<Dictionary<(string Source, string SourceId), string>> ResolveAndFlushAsync(AssetOverrides overrides, params AssetCandidate[] candidates)
    {
        await using var connection = await OpenAsync();
        var resolver = await AssetResolver.LoadAsync(connection, overrides, TimeProvider.System, CancellationToken.None);
        var ids = resolver.ResolveAll(candidates);
        await FlushAsync(resolver, connection);
        return ids;
    }

    private static async Task FlushAsync(AssetResolver resolver, NpgsqlConnection connection)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await resolver.FlushAsync(connection, transaction, CancellationToken.None);
        await transaction.CommitAsync();
        Assert.Empty(resolver.PendingAssets);
        Assert.Empty(resolver.PendingMappings);
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private async Task<Dictionary<(string Source, string SourceId), AssetMapping>> MappingsAsync()
    {
        await using var db = database.CreateDb();
        return await db.AssetMappings.AsNoTracking().ToDictionaryAsync(m => (m.Source, m.SourceId));
    }
}
