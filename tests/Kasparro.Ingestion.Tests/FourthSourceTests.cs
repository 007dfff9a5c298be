using System.Runtime.CompilerServices;
using System.Text.Json;
using Kasparro.Contracts;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.Quality;
using Kasparro.Ingestion.Sources;
using Kasparro.Upstreams;
using Kasparro.Upstreams.Universe;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kasparro.Ingestion.Tests;

/// <summary>
/// A source in one place: a fourth source the product does not ship is added by one registration in a test host,
/// and its rows flow through the real pipeline (drift against its own field set, identity by its own hints, raw,
/// normalized and history tables, quarantine, run row) with no line of the service changed for it.
/// </summary>
public sealed class FourthSourceTests : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private readonly DatabaseFixture _database;
    private UpstreamServer _upstream = null!;

    public FourthSourceTests(DatabaseFixture database) => _database = database;

    public async Task InitializeAsync()
    {
        await _database.ResetAsync();
        _upstream = await UpstreamServer.StartAsync(new UpstreamOptions { Universe = UpstreamUniverse.RealTop200() });
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task A_fourth_source_registered_in_a_test_host_flows_end_to_end()
    {
        await using var host = IngestionHost.Create(_database.ConnectionString, _upstream, addServices: services => services.AddFourthSource());
        Assert.Equal(EtlRunStatus.Success, (await host.RunAsync(SourceNames.CoinGecko)).Status);

        var outcome = await host.RunAsync(FourthSource.SourceName);

        // A quarantined row makes the run partial, as for any source.
        Assert.Equal(EtlRunStatus.Partial, outcome.Status);
        Assert.Equal((3, 2, 1), (outcome.Counts.Fetched, outcome.Counts.Inserted, outcome.Counts.Quarantined));
        await using var db = _database.CreateDb();
        var bitcoin = await db.MarketRecords.SingleAsync(r => r.Source == FourthSource.SourceName && r.SourceId == "XBT");
        Assert.Equal(97_000.25m, bitcoin.PriceUsd);
        Assert.Equal(2, await db.PriceHistory.CountAsync(p => p.Source == FourthSource.SourceName));
        Assert.Equal(2, await db.RawRecords.CountAsync(r => r.Source == FourthSource.SourceName));

        // Identity by the source's own hints: a full row links by symbol and name, a bare ticker by its symbol-only rule.
        var links = await db.AssetMappings.Where(m => m.Source == FourthSource.SourceName).ToDictionaryAsync(m => m.SourceId);
        var geckoBitcoin = await db.AssetMappings.SingleAsync(m => m.Source == SourceNames.CoinGecko && m.SourceId == "bitcoin");
        var geckoEthereum = await db.AssetMappings.SingleAsync(m => m.Source == SourceNames.CoinGecko && m.SourceId == "ethereum");
        Assert.Equal((geckoBitcoin.AssetId, MappingRules.SymbolAndName), (links["XBT"].AssetId, links["XBT"].Rule));
        Assert.Equal((geckoEthereum.AssetId, MappingRules.SymbolOnly), (links["ETH"].AssetId, links["ETH"].Rule));
        Assert.StartsWith("Fourth symbol ETH only", links["ETH"].Note);
        Assert.Equal(bitcoin.AssetId, geckoBitcoin.AssetId);

        // Drift is judged against the source's own field set, and the row without a price is quarantined.
        var drift = await db.SchemaDriftEvents.Where(e => e.Source == FourthSource.SourceName).ToListAsync();
        Assert.Contains(drift, e => e.Field == "exchange" && e.Kind == DriftKinds.Unknown);
        var quarantined = await db.QuarantinedRecords.SingleAsync(q => q.Source == FourthSource.SourceName);
        Assert.Equal("DOGE", quarantined.SourceId);
        var run = await db.EtlRuns.SingleAsync(r => r.Source == FourthSource.SourceName);
        Assert.Equal((EtlRunStatus.Partial, 2, 1), (run.Status, run.Inserted, run.Quarantined));
    }
}

/// <summary>The fourth source's one registration, as a real source's <c>AddXxxSource()</c> would be.</summary>
internal static class FourthSourceRegistration
{
    public static IServiceCollection AddFourthSource(this IServiceCollection services) =>
        services.AddMarketSource<FourthSource, FourthSourceOptions>(FourthSourceOptions.Section);
}

/// <summary>The fourth source's options (section <c>Sources:Fourth</c>).</summary>
internal sealed class FourthSourceOptions
{
    public const string Section = "Sources:Fourth";

    public bool Enabled { get; set; } = true;
}

/// <summary>An exchange-like source: its own field names, a ticker-only row, an unknown field and a row without a price.</summary>
internal sealed class FourthSource(Microsoft.Extensions.Options.IOptions<FourthSourceOptions> options) : IMarketSource
{
    public const string SourceName = "fourth";

    private static readonly FieldSet Fields = new(SourceName, Required: ["code", "ticker", "last"], Optional: ["title", "cap", "updated"]);

    private static readonly JsonFieldMap Map = new(
        Id: "code", Symbol: "ticker", Name: "title", Price: "last", MarketCap: "cap", Volume: "volume", PercentChange24h: "change",
        LastUpdated: "updated", Rank: "rank", Fields: Fields);

    private const string Payload = """
        [
          { "code": "XBT", "ticker": "BTC", "title": "Bitcoin", "last": 97000.25, "updated": "2026-01-01T00:00:00Z", "exchange": "x" },
          { "code": "ETH", "ticker": "ETH", "last": 3400.5, "updated": "2026-01-01T00:00:00Z", "exchange": "x" },
          { "code": "DOGE", "ticker": "DOGE", "updated": "2026-01-01T00:00:00Z" }
        ]
        """;

    public string Name => SourceName;

    public SourceIdentity Identity { get; } = new() { SymbolOnly = new SymbolOnlyLinking("Fourth", MaxCapRatio: 1000m) };

    public bool Enabled => options.Value.Enabled;

    public async IAsyncEnumerable<SourceBatch> ReadAsync(SourceReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var document = JsonDocument.Parse(Payload);
        var records = document.RootElement.EnumerateArray().Select((item, i) => JsonMarketRecords.Read(item, Map, context, $"item {i + 1}")).ToList();
        yield return new SourceBatch(records, new CheckpointUpdate(SourceName, null));
    }
}
