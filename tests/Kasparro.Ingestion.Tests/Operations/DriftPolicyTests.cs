using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Data.Operations;
using Kasparro.Ingestion.Pipeline;
using Kasparro.Upstreams;
using Kasparro.Upstreams.Universe;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Operations;

/// <summary><c>Sources:{name}:OnDrift</c> = evolve | quarantine | pause, driven by the fake upstream's drift switch.</summary>
public sealed class DriftPolicyTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private UpstreamServer _upstream = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _upstream = await UpstreamServer.StartAsync(new UpstreamOptions { Universe = UpstreamUniverse.RealTop200() });
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private IngestionHost Host(string policy) => IngestionHost.Create(database.ConnectionString, _upstream,
        settings: new Dictionary<string, string?> { ["Sources:CoinGecko:OnDrift"] = policy });

    [Fact]
    public async Task Evolve_stores_records_whose_optional_field_was_renamed_and_records_the_drift()
    {
        await using var host = Host("evolve");
        _upstream.Drift = SchemaDrift.GeckoTotalVolumeRenamed;

        var outcome = await host.RunAsync(SourceNames.CoinGecko);

        Assert.Equal(EtlRunStatus.Success, outcome.Status);
        Assert.Equal(outcome.Counts.Fetched, outcome.Counts.Inserted);
        await using var db = database.CreateDb();
        Assert.Null((await db.MarketRecords.SingleAsync(r => r.Id == "coingecko_bitcoin")).Volume24hUsd);
        var renamed = await db.SchemaDriftEvents.SingleAsync(d => d.Kind == DriftKinds.Renamed);
        Assert.Equal(("totalVolume", "total_volume"), (renamed.Field, renamed.Suggestion));
    }

    [Fact]
    public async Task Quarantine_holds_every_record_with_breaking_drift_with_a_readable_reason_and_passes_additive_drift()
    {
        await using var host = Host("quarantine");
        _upstream.Drift = SchemaDrift.ExtraUnknownFields;
        var additive = await host.RunAsync(SourceNames.CoinGecko);
        _upstream.Drift = SchemaDrift.GeckoTotalVolumeRenamed;

        var breaking = await host.RunAsync(SourceNames.CoinGecko);

        Assert.Equal(EtlRunStatus.Success, additive.Status);
        Assert.Equal(0, additive.Counts.Quarantined);
        Assert.Equal(EtlRunStatus.Failed, breaking.Status);
        Assert.Equal(breaking.Counts.Fetched, breaking.Counts.Quarantined);
        await using var db = database.CreateDb();
        var held = await db.QuarantinedRecords.SingleAsync(q => q.SourceId == "bitcoin" && q.RunId == breaking.RunId);
        Assert.Equal("breaking schema drift: renamed field 'totalVolume' (was 'total_volume', confidence 0.95) (OnDrift = quarantine)", held.Reason);
        Assert.Contains("\"totalVolume\"", held.RawContent);
    }

    [Fact]
    public async Task Pause_stops_the_source_writes_nothing_of_the_batch_survives_a_restart_and_resumes_on_command()
    {
        await using (var host = Host("pause"))
        {
            Assert.Equal(EtlRunStatus.Success, (await host.RunAsync(SourceNames.CoinGecko)).Status);
        }

        var history = await database.ScalarAsync<long>("SELECT count(*) FROM price_history");
        _upstream.Drift = SchemaDrift.GeckoTotalVolumeRenamed;
        RunOutcome paused;
        await using (var host = Host("pause"))
        {
            paused = await host.RunAsync(SourceNames.CoinGecko);
        }

        Assert.Equal(EtlRunStatus.Failed, paused.Status);
        Assert.StartsWith("paused: breaking schema drift: renamed field 'totalVolume'", paused.Error);
        Assert.Equal(0, paused.Counts.Fetched);
        Assert.Equal(history, await database.ScalarAsync<long>("SELECT count(*) FROM price_history"));
        await using (var db = database.CreateDb())
        {
            Assert.Equal("failed", (await db.EtlRuns.SingleAsync(r => r.Id == paused.RunId)).Status);
            Assert.Contains(await db.SchemaDriftEvents.Select(d => d.Field).ToListAsync(), f => f == "totalVolume");
        }

        // A new host (a restart, or another replica) still refuses the source, with the reason, and asks nothing upstream.
        _upstream.Drift = SchemaDrift.None;
        var requests = _upstream.Requests.Count;
        await using (var restarted = Host("pause"))
        {
            var refused = await restarted.RunAsync(SourceNames.CoinGecko);
            Assert.Equal(RunOutcome.Paused, refused.Status);
            Assert.Null(refused.RunId);
            Assert.Contains("coingecko is paused since", refused.Error);
            Assert.Contains($"(run {paused.RunId})", refused.Error);
            Assert.Contains("renamed field 'totalVolume'", refused.Error);
            Assert.Equal(requests, _upstream.Requests.Count);
            Assert.Equal(EtlRunStatus.Success, (await restarted.RunAsync(SourceNames.CoinPaprika)).Status);

            var dataSource = restarted.Services.GetRequiredService<NpgsqlDataSource>();
            var resumed = await SourcePauses.ResumeAsync(dataSource, SourceNames.CoinGecko, "cli", DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.NotNull(resumed);
            Assert.Null(await SourcePauses.ResumeAsync(dataSource, SourceNames.CoinGecko, "cli", DateTimeOffset.UtcNow, CancellationToken.None));

            var after = await restarted.RunAsync(SourceNames.CoinGecko);
            Assert.Equal(EtlRunStatus.Success, after.Status);
            Assert.Equal(after.Counts.Fetched, after.Counts.Updated + after.Counts.Unchanged);
        }

        Assert.Equal("cli", await database.ScalarAsync<string>("SELECT resumed_by FROM source_states WHERE source = 'coingecko'"));
    }

    [Theory]
    [InlineData("evolve", 0)]
    [InlineData("quarantine", 2)]
    public async Task A_csv_header_missing_an_expected_column_decides_for_every_row_of_its_file(string policy, int quarantined)
    {
        var folder = TestFiles.CreateFolder(("prices.csv",
            "symbol,price_usd,market_cap_usd,volume_24h_usd,percent_change_24h,created_at\n" +
            "BTC,70000,1,1,1,2026-02-01T00:00:00Z\n" +
            "ETH,2500,1,1,1,2026-02-01T00:00:00Z\n"));
        await using var host = IngestionHost.Create(database.ConnectionString, upstream: null, folder,
            new Dictionary<string, string?> { ["Sources:Csv:OnDrift"] = policy });

        var outcome = await host.RunAsync(SourceNames.Csv);

        Assert.Equal((2, quarantined), (outcome.Counts.Fetched, outcome.Counts.Quarantined));
        await using var db = database.CreateDb();
        Assert.All(await db.QuarantinedRecords.ToListAsync(),
            q => Assert.Equal("breaking schema drift: missing field 'name' (OnDrift = quarantine)", q.Reason));
    }

    [Fact]
    public async Task An_unknown_policy_and_freshness_targets_out_of_order_are_refused()
    {
        await using var host = Host("ignore");
        await using var inverted = IngestionHost.Create(database.ConnectionString, _upstream, settings: new Dictionary<string, string?>
        {
            ["Sources:Csv:Freshness:WarnAfter"] = "02:00:00",
            ["Sources:Csv:Freshness:ErrorAfter"] = "01:00:00",
        });

        var unknown = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<SourcePolicyOptions>>().Get(SourceNames.CoinGecko));
        var outOfOrder = Assert.ThrowsAny<Microsoft.Extensions.Options.OptionsValidationException>(
            () => inverted.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<SourcePolicyOptions>>().Get(SourceNames.Csv));

        Assert.Contains("OnDrift", unknown.Message);
        Assert.Contains("Sources:csv:Freshness: WarnAfter must be positive and less than ErrorAfter", outOfOrder.Message);
    }
}
