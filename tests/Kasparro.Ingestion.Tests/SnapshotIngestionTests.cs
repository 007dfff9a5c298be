using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Upstreams;
using Kasparro.Upstreams.Faults;
using Kasparro.Upstreams.Universe;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kasparro.Ingestion.Tests;

/// <summary>CoinGecko and CoinPaprika snapshots, end to end: fixture upstream over HTTP, real pipeline, real PostgreSQL.</summary>
public sealed class SnapshotIngestionTests : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private readonly DatabaseFixture _database;
    private UpstreamServer _upstream = null!;

    public SnapshotIngestionTests(DatabaseFixture database) => _database = database;

    public async Task InitializeAsync()
    {
        await _database.ResetAsync();
        _upstream = await UpstreamServer.StartAsync(new UpstreamOptions { Universe = UpstreamUniverse.RealTop200() });
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    /// <summary>The exact decimal of the number as the fixture writes it in JSON (shortest round-trip form).</summary>
    private static decimal AsSent(double value) =>
        decimal.Parse(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    private int GeckoCoins => _upstream.Universe.Coins.Count(c => c.GeckoId is not null);
    private int PaprikaCoins => _upstream.Universe.Coins.Count(c => c.PaprikaId is not null);

    [Fact]
    public async Task A_coingecko_snapshot_lands_in_raw_normalized_and_history_with_exact_values()
    {
        await using var host = IngestionHost.Create(_database.ConnectionString, _upstream);

        var outcome = await host.RunAsync(SourceNames.CoinGecko);

        Assert.Equal(EtlRunStatus.Success, outcome.Status);
        Assert.Equal(GeckoCoins, outcome.Counts.Fetched);
        Assert.Equal(GeckoCoins, outcome.Counts.Inserted);
        await using var db = _database.CreateDb();
        var bitcoin = await db.MarketRecords.SingleAsync(r => r.Id == "coingecko_bitcoin");
        var expected = _upstream.Universe.ByGeckoId("bitcoin")!;
        Assert.Equal("BTC", bitcoin.Ticker);
        Assert.Equal("Bitcoin", bitcoin.Name);
        Assert.Equal(AsSent(expected.PriceUsd), bitcoin.PriceUsd);
        Assert.Equal(TimeSpan.Zero, bitcoin.CreatedAt.Offset);
        Assert.Equal(GeckoCoins, await db.MarketRecords.CountAsync(r => r.Source == SourceNames.CoinGecko));
        Assert.Equal(GeckoCoins, await db.PriceHistory.CountAsync(p => p.Source == SourceNames.CoinGecko));
        Assert.Equal(GeckoCoins, await db.RawRecords.CountAsync(r => r.Source == SourceNames.CoinGecko));
    }

    [Fact]
    public async Task Every_raw_payload_is_stored_as_the_text_the_source_sent_and_matches_its_content_hash()
    {
        await using var host = IngestionHost.Create(_database.ConnectionString, _upstream);
        await host.RunAsync(SourceNames.CoinGecko);
        await host.RunAsync(SourceNames.CoinPaprika);

        // The hash is taken of the text as received: a payload stored rewritten (jsonb re-orders keys and rewrites
        // numbers) would no longer match it.
        Assert.Equal(GeckoCoins + PaprikaCoins, await _database.ScalarAsync<int>("SELECT count(*) FROM raw_records"));
        Assert.Equal(0, await _database.ScalarAsync<int>(
            "SELECT count(*) FROM raw_records WHERE encode(sha256(convert_to(payload::text, 'UTF8')), 'hex') <> content_hash"));
        // CoinGecko sends "id" first; jsonb would have put shorter keys such as "ath" before it.
        Assert.StartsWith("{\"id\":\"bitcoin\"", await _database.ScalarAsync<string>(
            "SELECT payload::text FROM raw_records WHERE source = 'coingecko' AND source_id = 'bitcoin'"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_coinpaprika_snapshot_reads_the_usd_quote()
    {
        await using var host = IngestionHost.Create(_database.ConnectionString, _upstream);

        var outcome = await host.RunAsync(SourceNames.CoinPaprika);

        Assert.Equal(EtlRunStatus.Success, outcome.Status);
        Assert.Equal(PaprikaCoins, outcome.Counts.Inserted);
        await using var db = _database.CreateDb();
        var bitcoin = await db.MarketRecords.SingleAsync(r => r.Id == "coinpaprika_btc-bitcoin");
        Assert.Equal(AsSent(_upstream.Universe.ByPaprikaId("btc-bitcoin")!.PaprikaPriceUsd), bitcoin.PriceUsd);
        Assert.Equal("BTC", bitcoin.Ticker);
    }

    [Fact]
    public async Task Rerunning_the_same_snapshot_adds_no_rows()
    {
        await using var host = IngestionHost.Create(_database.ConnectionString, _upstream);
        await host.RunAsync(SourceNames.CoinGecko);

        var second = await host.RunAsync(SourceNames.CoinGecko);

        Assert.Equal(EtlRunStatus.Success, second.Status);
        Assert.Equal(0, second.Counts.Inserted);
        Assert.Equal(0, second.Counts.Updated);
        Assert.Equal(GeckoCoins, second.Counts.Unchanged);
        Assert.Equal(GeckoCoins, await _database.ScalarAsync<int>("SELECT count(*) FROM price_history WHERE source = 'coingecko'"));
        Assert.Equal(GeckoCoins, await _database.ScalarAsync<int>("SELECT count(*) FROM raw_records WHERE source = 'coingecko'"));
    }

    [Fact]
    public async Task A_second_snapshot_updates_exactly_the_changed_records_and_adds_their_history()
    {
        await using var host = IngestionHost.Create(_database.ConnectionString, _upstream);
        await host.RunAsync(SourceNames.CoinGecko);
        var changed = _upstream.AdvanceSnapshot(5).Where(c => c.GeckoId is not null).ToList();

        var second = await host.RunAsync(SourceNames.CoinGecko);

        Assert.Equal(changed.Count, second.Counts.Updated);
        Assert.Equal(0, second.Counts.Inserted);
        Assert.Equal(GeckoCoins - changed.Count, second.Counts.Unchanged);
        Assert.Equal(GeckoCoins + changed.Count, await _database.ScalarAsync<int>("SELECT count(*) FROM price_history WHERE source = 'coingecko'"));
        await using var db = _database.CreateDb();
        foreach (var coin in changed)
        {
            var record = await db.MarketRecords.SingleAsync(r => r.Id == "coingecko_" + coin.GeckoId);
            Assert.Equal(AsSent(coin.PriceUsd), record.PriceUsd);
        }
    }

    [Fact]
    public async Task A_run_failing_after_n_records_resumes_to_the_exact_final_count()
    {
        await using (var failing = IngestionHost.Create(_database.ConnectionString, _upstream,
            settings: new Dictionary<string, string?> { ["Etl:FailAfterRecords"] = "100" }))
        {
            var failed = await failing.RunAsync(SourceNames.CoinGecko);
            Assert.Equal(EtlRunStatus.Failed, failed.Status);
            Assert.Contains("FailAfterRecords", failed.Error);
            Assert.InRange(failed.Counts.Inserted, 100, GeckoCoins - 1);
        }

        await using var host = IngestionHost.Create(_database.ConnectionString, _upstream);
        var resumed = await host.RunAsync(SourceNames.CoinGecko);

        Assert.Equal(EtlRunStatus.Success, resumed.Status);
        // The resumed sweep starts at the page after the last committed one.
        Assert.Equal(GeckoCoins - 100, resumed.Counts.Fetched);
        foreach (var table in new[] { "normalized_records", "price_history", "raw_records" })
        {
            Assert.Equal(GeckoCoins, await _database.ScalarAsync<int>($"SELECT count(*) FROM {table} WHERE source = 'coingecko'"));
        }

        Assert.Equal(0, await _database.ScalarAsync<int>(
            "SELECT count(*) FROM (SELECT source_id FROM price_history WHERE source = 'coingecko' GROUP BY source_id, observed_at HAVING count(*) > 1) d"));
    }

    [Fact]
    public async Task A_429_with_retry_after_is_waited_out_and_the_run_succeeds()
    {
        _upstream.Faults.Enqueue(UpstreamRoute.GeckoMarkets, Fault.TooManyRequests(retryAfterSeconds: 1));
        await using var host = IngestionHost.Create(_database.ConnectionString, _upstream);

        var outcome = await host.RunAsync(SourceNames.CoinGecko);

        Assert.Equal(EtlRunStatus.Success, outcome.Status);
        Assert.Equal(GeckoCoins, outcome.Counts.Inserted);
        await using var db = _database.CreateDb();
        var run = await db.EtlRuns.SingleAsync(r => r.Id == outcome.RunId);
        Assert.Equal(1, run.Retries);
    }

    [Fact]
    public async Task A_persistent_500_fails_that_source_while_the_others_succeed()
    {
        _upstream.Faults.Persistent(UpstreamRoute.GeckoMarkets, Fault.InternalServerError());
        var csvFolder = TestFiles.CreateFolder(("prices.csv", "symbol,price_usd\nBTC,70000\n"));
        await using var host = IngestionHost.Create(_database.ConnectionString, _upstream, csvFolder);

        var outcomes = await Task.WhenAll(
            host.RunAsync(SourceNames.CoinGecko), host.RunAsync(SourceNames.CoinPaprika), host.RunAsync(SourceNames.Csv));

        Assert.Equal(EtlRunStatus.Failed, outcomes[0].Status);
        Assert.Contains("500", outcomes[0].Error);
        Assert.Equal(EtlRunStatus.Success, outcomes[1].Status);
        Assert.Equal(EtlRunStatus.Success, outcomes[2].Status);
        await using var db = _database.CreateDb();
        var run = await db.EtlRuns.SingleAsync(r => r.Id == outcomes[0].RunId);
        Assert.Equal(EtlRunStatus.Failed, run.Status);
        Assert.Equal(3, run.Retries);
    }

    [Fact]
    public async Task Two_concurrent_runs_of_one_source_never_both_run()
    {
        await using var first = IngestionHost.Create(_database.ConnectionString, _upstream);
        await using var second = IngestionHost.Create(_database.ConnectionString, _upstream);

        // The run that starts first is held where it stores its raw payloads (after it registered as running) until the
        // other has answered: on a loaded machine the first could otherwise finish before the second even starts, and
        // two runs one after the other both succeed rightly.
        await using var blocker = new NpgsqlConnection(_database.ConnectionString);
        await blocker.OpenAsync();
        await using var blocking = await blocker.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("LOCK TABLE raw_records IN SHARE MODE", blocker, blocking))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var runs = new[] { first.RunAsync(SourceNames.CoinPaprika), second.RunAsync(SourceNames.CoinPaprika) };
        var answered = await Task.WhenAny(runs).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("refused", (await answered).Status);
        await blocking.CommitAsync();
        var outcomes = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Single(outcomes, o => o.Status == "refused");
        Assert.Single(outcomes, o => o.Status == EtlRunStatus.Success);
        Assert.Contains("already running", outcomes.Single(o => o.Status == "refused").Error);
        Assert.Equal(1, await _database.ScalarAsync<int>("SELECT count(*) FROM etl_runs WHERE source = 'coinpaprika'"));
    }
}
