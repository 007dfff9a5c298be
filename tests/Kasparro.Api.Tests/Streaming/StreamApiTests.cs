using System.Net;
using System.Text.Json;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Upstreams;
using Kasparro.Upstreams.Universe;

namespace Kasparro.Api.Tests.Streaming;

/// <summary>
/// <c>GET /stream</c> end to end: the real ingestion pipeline writes through the fake upstream into PostgreSQL, the
/// change-log triggers record what committed, and the API on Kestrel streams it to real HTTP clients.
/// </summary>
public sealed class StreamApiTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private UpstreamServer _upstream = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _upstream = await UpstreamServer.StartAsync(new UpstreamOptions { Universe = UpstreamUniverse.RealTop200() });
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private int GeckoCoins => _upstream.Universe.Coins.Count(c => c.GeckoId is not null);

    private static bool FinishedRun(ReceivedEvent e, long? runId) =>
        e.Type == "run" && JsonDocument.Parse(e.Data).RootElement is var run
        && run.GetProperty("id").GetInt64() == runId && run.GetProperty("status").GetString() != EtlRunStatus.Running;

    private static bool AnyFinishedRun(ReceivedEvent e) =>
        e.Type == "run" && JsonDocument.Parse(e.Data).RootElement.GetProperty("status").GetString() != EtlRunStatus.Running;

    private static (string Type, string? Id, string Subject) About(ReceivedEvent e) =>
        (e.Type, e.Id, e.Type == "price" ? RecordId(e) : JsonDocument.Parse(e.Data).RootElement.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static string RecordId(ReceivedEvent e) => JsonDocument.Parse(e.Data).RootElement.GetProperty("id").GetString()!;

    [Fact]
    public async Task A_run_sends_one_price_event_per_changed_record_and_none_for_unchanged_ones()
    {
        await using var api = await StreamHost.StartAsync(database.ConnectionString);
        await using var ingestion = IngestionHost.Create(database.ConnectionString, _upstream);
        await using var client = await api.ConnectAsync("/stream?source=coingecko");

        var first = await ingestion.RunAsync(SourceNames.CoinGecko);
        var firstEvents = await client.UntilAsync(e => FinishedRun(e, first.RunId), Wait);
        var firstPrices = firstEvents.Where(e => e.Type == "price").Select(RecordId).ToList();
        Assert.Equal(GeckoCoins, firstPrices.Count);
        Assert.Equal(GeckoCoins, firstPrices.Distinct().Count());

        var changed = _upstream.AdvanceSnapshot(5).Where(c => c.GeckoId is not null).ToList();
        var second = await ingestion.RunAsync(SourceNames.CoinGecko);
        var secondEvents = await client.UntilAsync(e => FinishedRun(e, second.RunId), Wait);

        var prices = secondEvents.Where(e => e.Type == "price").ToList();
        Assert.Equal(changed.Select(c => "coingecko_" + c.GeckoId).Order(), prices.Select(RecordId).Order());
        // The data is the record exactly as /data serves it.
        var served = new Dictionary<string, string>();
        for (var offset = 0; offset < GeckoCoins; offset += 200)
        {
            var page = await api.Client.GetStringAsync($"/data?source=coingecko&limit=200&offset={offset}");
            foreach (var record in JsonDocument.Parse(page).RootElement.GetProperty("data").EnumerateArray())
            {
                served[record.GetProperty("id").GetString()!] = record.GetRawText();
            }
        }

        foreach (var price in prices)
        {
            Assert.Equal(served[RecordId(price)], price.Data);
        }

        // Runs: started, one per batch, finished; all with the run's id, as /runs shows them.
        var runs = secondEvents.Where(e => e.Type == "run").Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        Assert.All(runs, r => Assert.Equal(second.RunId!.Value, r.GetProperty("id").GetInt64()));
        Assert.Equal(EtlRunStatus.Running, runs[0].GetProperty("status").GetString());
        Assert.Equal(EtlRunStatus.Success, runs[^1].GetProperty("status").GetString());
        Assert.Equal(changed.Count, runs[^1].GetProperty("updated").GetInt32());
        var listed = JsonDocument.Parse(await api.Client.GetStringAsync("/runs?source=coingecko&limit=1")).RootElement.GetProperty("data")[0].GetRawText();
        Assert.Equal(listed, secondEvents.Last(e => e.Type == "run").Data);
        Assert.Empty(await client.DrainAsync(TimeSpan.FromSeconds(1)));
        await client.DisposeAsync();
        await Poll.UntilAsync(() => Task.FromResult(api.Feed.Subscribers == 0), TimeSpan.FromSeconds(10), "the closed stream unsubscribed");
    }

    [Fact]
    public async Task Filters_choose_assets_sources_and_kinds()
    {
        await using var api = await StreamHost.StartAsync(database.ConnectionString);
        await using var ingestion = IngestionHost.Create(database.ConnectionString, _upstream);
        await using var all = await api.ConnectAsync("/stream");
        await using var bitcoinPrices = await api.ConnectAsync("/stream?asset_id=btc-bitcoin&asset_id=eth-ethereum&events=price");
        await using var paprikaRuns = await api.ConnectAsync("/stream?source=coinpaprika&events=run");

        var gecko = await ingestion.RunAsync(SourceNames.CoinGecko);
        var paprika = await ingestion.RunAsync(SourceNames.CoinPaprika);
        await all.UntilAsync(e => FinishedRun(e, paprika.RunId), Wait);

        var runsOnly = await paprikaRuns.UntilAsync(e => FinishedRun(e, paprika.RunId), Wait);
        Assert.All(runsOnly, e => Assert.Equal("run", e.Type));
        Assert.All(runsOnly, e => Assert.Equal(paprika.RunId!.Value, JsonDocument.Parse(e.Data).RootElement.GetProperty("id").GetInt64()));
        var assets = await bitcoinPrices.DrainAsync(TimeSpan.FromSeconds(2));
        Assert.All(assets, e => Assert.Equal("price", e.Type));
        Assert.Equal(
            ["coingecko_bitcoin", "coingecko_ethereum", "coinpaprika_btc-bitcoin", "coinpaprika_eth-ethereum"],
            assets.Select(RecordId).Order());
        Assert.True(gecko.RunId < paprika.RunId);
    }

    [Fact]
    public async Task A_client_that_reconnects_with_its_Last_Event_ID_gets_what_it_missed_exactly_once()
    {
        await using var api = await StreamHost.StartAsync(database.ConnectionString);
        await using var ingestion = IngestionHost.Create(database.ConnectionString, _upstream, settings: new Dictionary<string, string?> { ["Sources:CoinGecko:PerPage"] = "50" });
        await using var control = await api.ConnectAsync("/stream?source=coingecko");
        var leaving = await api.ConnectAsync("/stream?source=coingecko");

        var first = await ingestion.RunAsync(SourceNames.CoinGecko);
        // The leaving client stops in the middle of a change (a page of 50 records), after its 70th price.
        string? leftAt = null;
        var prices = 0;
        while (leftAt is null)
        {
            var next = await leaving.NextAsync(Wait);
            if (next.Type == "price" && ++prices == 70)
            {
                leftAt = next.Id;
            }
        }

        await leaving.DisposeAsync();
        _upstream.AdvanceSnapshot(20);
        var second = await ingestion.RunAsync(SourceNames.CoinGecko);
        var everything = await control.UntilAsync(e => FinishedRun(e, second.RunId), Wait);

        await using var back = await api.ConnectAsync("/stream?source=coingecko", leftAt);
        var missed = await back.UntilAsync(e => e.Id == everything[^1].Id, Wait);

        // Exactly the events the client that stayed got after that one, each once. Prices and runs are read when they
        // are sent, so the events of the first run it caught up on later show the records and the run as they are now:
        // compare what each event is about.
        var expected = everything.SkipWhile(e => e.Id != leftAt).Skip(1).Select(About).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, missed.Select(About).ToList());
        Assert.True(first.RunId < second.RunId);
    }
}
