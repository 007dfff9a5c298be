using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.Quality;
using Kasparro.Ingestion.Sources.Csv;

namespace Kasparro.Ingestion.Tests.Quality;

/// <summary>
/// The identity rules as a pure function of a stored snapshot plus pending changes: no database, so each rule is
/// specified by the snapshot it starts from and the changes it hands to the store.
/// </summary>
public sealed class AssetIdentityRulesTests
{
    private static readonly DateTimeOffset Stored = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly AssetSnapshot BitcoinFromGecko = new(
        [new Asset { Id = "btc-bitcoin", Symbol = "BTC", Name = "Bitcoin", MarketCapUsd = 1_000_000_000_000m, CreatedAt = Stored, UpdatedAt = Stored }],
        [new AssetMapping { Source = SourceNames.CoinGecko, SourceId = "bitcoin", AssetId = "btc-bitcoin", Rule = MappingRules.NewAsset, Confidence = 1m, LinkedAt = Stored }]);

    [Fact]
    public void A_stored_link_is_reused_and_nothing_is_written_for_it()
    {
        var resolver = new AssetResolver(BitcoinFromGecko, AssetOverrides.Empty, TimeProvider.System);

        Assert.Equal("btc-bitcoin", resolver.Resolve(new AssetCandidate(SourceNames.CoinGecko, "bitcoin", "btc", "Bitcoin", 900_000_000_000m, 1)));

        Assert.True(resolver.TakeChanges().IsEmpty);
    }

    [Fact]
    public void Another_source_naming_the_same_coin_links_to_the_stored_asset_by_symbol_and_name()
    {
        var resolver = new AssetResolver(BitcoinFromGecko, AssetOverrides.Empty, TimeProvider.System);

        var id = resolver.Resolve(new AssetCandidate(SourceNames.CoinPaprika, "btc-bitcoin", "BTC", "Bitcoin", 990_000_000_000m, 1));

        Assert.Equal("btc-bitcoin", id);
        var changes = resolver.TakeChanges();
        Assert.Empty(changes.Assets);
        var mapping = Assert.Single(changes.Mappings);
        Assert.Equal((SourceNames.CoinPaprika, "btc-bitcoin", MappingRules.SymbolAndName), (mapping.Source, mapping.SourceId, mapping.Rule));
    }

    [Fact]
    public void A_coin_listing_never_gives_one_asset_two_of_its_ids_but_a_file_may_link_by_ticker_alone()
    {
        var resolver = new AssetResolver(BitcoinFromGecko, AssetOverrides.Empty, TimeProvider.System);

        var lookalike = resolver.Resolve(new AssetCandidate(SourceNames.CoinGecko, "bitcoin-on-base", "btc", "Bitcoin", null, null));
        var fromFile = resolver.Resolve(new AssetCandidate(SourceNames.Csv, "BTC", "BTC", null, null, null, CsvSource.Identity));

        Assert.NotEqual("btc-bitcoin", lookalike);
        Assert.Equal("btc-bitcoin", fromFile);
        var changes = resolver.TakeChanges();
        Assert.Equal([lookalike], changes.Assets.Select(a => a.Id));
        var fileLink = Assert.Single(changes.Mappings, m => m.Source == SourceNames.Csv);
        Assert.Equal(MappingRules.SymbolOnly, fileLink.Rule);
        Assert.StartsWith("CSV symbol BTC only", fileLink.Note);
    }

    [Fact]
    public void A_source_without_symbol_only_linking_creates_an_asset_where_a_file_would_link()
    {
        var resolver = new AssetResolver(BitcoinFromGecko, AssetOverrides.Empty, TimeProvider.System);

        var id = resolver.Resolve(new AssetCandidate("fourth", "XBT", "BTC", null, null, null));

        Assert.NotEqual("btc-bitcoin", id);
        Assert.Equal(MappingRules.NewAsset, Assert.Single(resolver.TakeChanges().Mappings).Rule);
    }

    [Fact]
    public void The_curated_list_matches_ids_typed_by_people_in_any_case_and_other_ids_exactly()
    {
        var overrides = AssetOverrides.Parse("""
            { "entries": [ { "asset_id": "btc-bitcoin", "symbol": "BTC", "name": "Bitcoin", "ids": { "csv": "BTC", "fourth": "XBT" } } ] }
            """);
        var resolver = new AssetResolver(AssetSnapshot.Empty, overrides, TimeProvider.System);

        var typed = resolver.Resolve(new AssetCandidate(SourceNames.Csv, "btc", "btc", null, null, null, CsvSource.Identity));
        var exact = resolver.Resolve(new AssetCandidate("fourth", "xbt", "XBT", "Bitcoin", null, null));

        Assert.Equal("btc-bitcoin", typed);
        Assert.NotEqual("btc-bitcoin", exact);
        var mappings = resolver.TakeChanges().Mappings.ToDictionary(m => m.Source);
        Assert.Equal((MappingRules.Override, true), (mappings[SourceNames.Csv].Rule, mappings[SourceNames.Csv].IsManual));
        Assert.NotEqual(MappingRules.Override, mappings["fourth"].Rule);
    }

    [Fact]
    public void A_manual_stored_link_wins_over_the_rules()
    {
        var snapshot = new AssetSnapshot(
            [.. BitcoinFromGecko.Assets, new Asset { Id = "other", Symbol = "BTC", Name = "Another", CreatedAt = Stored, UpdatedAt = Stored }],
            [
                .. BitcoinFromGecko.Mappings,
                new AssetMapping { Source = SourceNames.CoinPaprika, SourceId = "btc-bitcoin", AssetId = "other", Rule = MappingRules.Override, IsManual = true, LinkedAt = Stored },
            ]);
        var resolver = new AssetResolver(snapshot, AssetOverrides.Empty, TimeProvider.System);

        Assert.Equal("other", resolver.Resolve(new AssetCandidate(SourceNames.CoinPaprika, "btc-bitcoin", "BTC", "Bitcoin", 990_000_000_000m, 1)));
        Assert.Empty(resolver.TakeChanges().Mappings);
    }

    [Fact]
    public void A_raised_market_cap_is_written_only_when_asked_and_then_once()
    {
        var resolver = new AssetResolver(BitcoinFromGecko, AssetOverrides.Empty, TimeProvider.System);
        resolver.Resolve(new AssetCandidate(SourceNames.CoinGecko, "bitcoin", "btc", "Bitcoin", 2_000_000_000_000m, 1));

        Assert.True(resolver.TakeChanges(withRaisedMarketCaps: false).IsEmpty);
        var raised = Assert.Single(resolver.TakeChanges(withRaisedMarketCaps: true).Assets);
        Assert.Equal(("btc-bitcoin", 2_000_000_000_000m), (raised.Id, raised.MarketCapUsd));
        Assert.True(resolver.TakeChanges(withRaisedMarketCaps: true).IsEmpty);
        Assert.Equal(1_000_000_000_000m, BitcoinFromGecko.Assets[0].MarketCapUsd);
    }

    [Fact]
    public void Reset_drops_pending_changes_and_starts_again_from_the_snapshot()
    {
        var resolver = new AssetResolver(AssetSnapshot.Empty, AssetOverrides.Empty, TimeProvider.System);
        resolver.Resolve(new AssetCandidate(SourceNames.CoinGecko, "bitcoin", "btc", "Bitcoin", 1m, 1));

        resolver.Reset(BitcoinFromGecko);

        Assert.Empty(resolver.PendingAssets);
        Assert.Empty(resolver.PendingMappings);
        Assert.Equal("btc-bitcoin", resolver.Resolve(new AssetCandidate(SourceNames.CoinGecko, "bitcoin", "btc", "Bitcoin", null, null)));
    }
}
