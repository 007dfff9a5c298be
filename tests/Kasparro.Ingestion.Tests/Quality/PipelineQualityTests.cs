using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Upstreams;
using Kasparro.Upstreams.Universe;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace Kasparro.Ingestion.Tests.Quality;

/// <summary>
/// Identity resolution, drift and quarantine through the whole pipeline: the real top-200 universe of both
/// APIs (with its real symbol collisions) from the fixture server, checked against the fixture's known truth.
/// </summary>
public sealed class PipelineQualityTests(DatabaseFixture database, ITestOutputHelper output) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_top_200_of_both_apis_link_across_sources_without_a_single_mistake()
    {
        await using var upstream = await UpstreamServer.StartAsync(new UpstreamOptions { Universe = UpstreamUniverse.RealTop200() });
        await using var host = IngestionHost.Create(database.ConnectionString, upstream);
        await host.RunAsync(SourceNames.CoinGecko);
        await host.RunAsync(SourceNames.CoinPaprika);

        await using var db = database.CreateDb();
        var mappings = await db.AssetMappings.AsNoTracking().ToListAsync();
        var truth = upstream.Universe.Truth;
        string TruthKey(AssetMapping m) => (m.Source == SourceNames.CoinGecko ? truth.CoinGecko : truth.CoinPaprika)[m.SourceId];

        // A mistake is two ids of different real assets sharing an asset, or one real asset split over two assets.
        var byAsset = mappings.GroupBy(m => m.AssetId).ToList();
        var falseMerges = byAsset.Where(g => g.Select(TruthKey).Distinct().Count() > 1).ToList();
        var splits = mappings.GroupBy(TruthKey).Where(g => g.Select(m => m.AssetId).Distinct().Count() > 1).ToList();
        var linkedAcrossSources = byAsset.Count(g => g.Select(m => m.Source).Distinct().Count() > 1);
        var singleSource = byAsset.Count - linkedAcrossSources;
        output.WriteLine($"mappings {mappings.Count}, assets {byAsset.Count}, linked across sources {linkedAcrossSources}, " +
                         $"single-source {singleSource}, false merges {falseMerges.Count}, splits {splits.Count}, " +
                         $"symbol collisions in the fixture {truth.SymbolCollisions.Count}");
        foreach (var merge in falseMerges)
        {
            output.WriteLine($"false merge {merge.Key}: {string.Join(", ", merge.Select(m => $"{m.Source}:{m.SourceId}"))}");
        }

        foreach (var split in splits)
        {
            output.WriteLine($"split {split.Key}: {string.Join(", ", split.Select(m => $"{m.Source}:{m.SourceId}->{m.AssetId}"))}");
        }

        Assert.True(truth.SymbolCollisions.Count >= 10, "the fixture must carry at least 10 real symbol collisions");
        Assert.Empty(falseMerges);
        Assert.Empty(splits);
        var expectedLinked = truth.CoinGecko.Values.Intersect(truth.CoinPaprika.Values).Count();
        Assert.Equal(expectedLinked, linkedAcrossSources);
    }

    [Fact]
    public async Task Bitcoin_from_three_sources_is_one_asset_with_three_mappings_and_a_worthless_btc_stays_apart()
    {
        await using var upstream = await UpstreamServer.StartAsync(new UpstreamOptions { Universe = UpstreamUniverse.RealTop200() });
        var csv = TestFiles.CreateFolder(("prices.csv", "symbol,name,price_usd,created_at\nBTC,Bitcoin,83400,2025-03-29T10:00:00Z\n"));
        await using var host = IngestionHost.Create(database.ConnectionString, upstream, csv);
        await host.RunAsync(SourceNames.CoinGecko);
        await host.RunAsync(SourceNames.CoinPaprika);
        await host.RunAsync(SourceNames.Csv);

        await using var db = database.CreateDb();
        var bitcoin = await db.AssetMappings.SingleAsync(m => m.Source == SourceNames.CoinGecko && m.SourceId == "bitcoin");
        var sameAsset = await db.AssetMappings.Where(m => m.AssetId == bitcoin.AssetId).OrderBy(m => m.Source).ToListAsync();
        Assert.Equal(["coingecko", "coinpaprika", "csv"], sameAsset.Select(m => m.Source));
        Assert.Contains(sameAsset, m => m.Source == SourceNames.CoinPaprika && m.SourceId == "btc-bitcoin");
        var csvLink = sameAsset.Single(m => m.Source == SourceNames.Csv);
        Assert.Equal(MappingRules.SymbolAndName, csvLink.Rule);

        // The fixture's bitcoin-on-base also says BTC: it is its own asset and its price never reaches Bitcoin's records.
        var impostor = await db.AssetMappings.SingleAsync(m => m.Source == SourceNames.CoinGecko && m.SourceId == "bitcoin-on-base");
        Assert.NotEqual(bitcoin.AssetId, impostor.AssetId);
        var bitcoinRecord = await db.MarketRecords.SingleAsync(r => r.Id == "coingecko_bitcoin");
        Assert.Equal(bitcoin.AssetId, bitcoinRecord.AssetId);
        Assert.True(bitcoinRecord.PriceUsd > 1000m);
    }

    [Fact]
    public async Task A_renamed_price_field_is_reported_with_its_suggestion_and_those_records_are_quarantined_with_the_reason()
    {
        await using var upstream = await UpstreamServer.StartAsync(new UpstreamOptions
        {
            Universe = UpstreamUniverse.RealTop200(),
            Drift = SchemaDrift.GeckoCurrentPriceRenamed | SchemaDrift.ExtraUnknownFields,
        });
        await using var host = IngestionHost.Create(database.ConnectionString, upstream);

        var outcome = await host.RunAsync(SourceNames.CoinGecko);

        Assert.Equal(EtlRunStatus.Failed, outcome.Status);
        Assert.Equal(outcome.Counts.Fetched, outcome.Counts.Quarantined);
        await using var db = database.CreateDb();
        var renamed = await db.SchemaDriftEvents.SingleAsync(d => d.Kind == DriftKinds.Renamed);
        Assert.Equal("currentPrice", renamed.Field);
        Assert.Equal("current_price", renamed.Suggestion);
        Assert.True(renamed.Confidence >= 0.9m);
        Assert.Equal(outcome.Counts.Fetched, renamed.Count);
        Assert.Contains(await db.SchemaDriftEvents.Select(d => d.Kind).ToListAsync(), k => k == DriftKinds.Unknown);
        var quarantined = await db.QuarantinedRecords.Where(q => q.SourceId == "bitcoin").SingleAsync();
        Assert.Contains("current_price", quarantined.Reason);
        Assert.Contains("currentPrice", quarantined.Reason);
        Assert.Contains("\"currentPrice\"", quarantined.RawContent);
    }

    [Fact]
    public async Task Records_missing_their_symbol_are_quarantined_while_the_rest_load_and_drift_is_counted_once_per_run()
    {
        await using var upstream = await UpstreamServer.StartAsync(new UpstreamOptions
        {
            Universe = UpstreamUniverse.RealTop200(),
            Drift = SchemaDrift.GeckoSymbolMissingOnSome,
        });
        await using var host = IngestionHost.Create(database.ConnectionString, upstream);

        var first = await host.RunAsync(SourceNames.CoinGecko);
        var second = await host.RunAsync(SourceNames.CoinGecko);

        Assert.Equal(EtlRunStatus.Partial, first.Status);
        Assert.True(first.Counts.Quarantined > 0);
        Assert.Equal(first.Counts.Fetched, first.Counts.Inserted + first.Counts.Quarantined);
        Assert.Equal(first.Counts.Quarantined, second.Counts.Quarantined);
        await using var db = database.CreateDb();
        var missing = await db.SchemaDriftEvents.SingleAsync(d => d.Field == "symbol" && d.Kind == DriftKinds.MissingRequired);
        Assert.Equal(first.Counts.Quarantined + second.Counts.Quarantined, missing.Count);
        Assert.Equal(first.RunId, missing.FirstRunId);
        Assert.Equal(second.RunId, missing.LastRunId);
        Assert.All(await db.QuarantinedRecords.ToListAsync(), q => Assert.Contains("symbol", q.Reason));
    }
}
