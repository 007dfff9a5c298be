using System.Text.Json;
using System.Text.Json.Nodes;
using Kasparro.Contracts;
using Kasparro.Dashboard.Api;
using Kasparro.Dashboard.Live;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Kasparro.Testing.ApiSeed;

namespace Kasparro.Api.Tests.Streaming;

/// <summary>
/// The one contract on <c>GET /stream</c>: the dashboard's own <see cref="LiveFeedReader"/> subscribes to the real API,
/// and the price and run it hands to its pages are exactly the record <c>GET /data</c> serves and the run
/// <c>GET /runs</c> lists.
/// </summary>
public sealed class LiveFeedContractTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_dashboards_live_feed_reads_prices_and_runs_as_the_api_serves_them()
    {
        await database.ResetAsync();
        await using var api = await StreamHost.StartAsync(database.ConnectionString, new Dictionary<string, string> { ["Stream:HeartbeatInterval"] = "00:00:01" });
        var hub = new LiveFeedHub();
        var price = new TaskCompletionSource<MarketRecordItem>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = new TaskCompletionSource<RunItem>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.PriceReceived += received => price.TrySetResult(received);
        hub.RunReceived += received => run.TrySetResult(received);
        using var reader = new LiveFeedReader(new OneClient(api.Client), hub, Options.Create(new KasparroApiOptions()), NullLogger<LiveFeedReader>.Instance);
        await reader.StartAsync(CancellationToken.None);
        try
        {
            // Connected once the first heartbeat arrived: what commits from here is streamed.
            await Poll.UntilAsync(() => Task.FromResult(hub.State == LiveState.Live), Wait, "the dashboard's live feed connected");

            var seededRun = Run(SourceNames.CoinGecko, EtlRunStatus.Success, T0, fetched: 42);
            await AddAsync(database, seededRun, Record(SourceNames.CoinGecko, "bitcoin", "BTC", 83476.12345678m, T0, assetId: null));

            var readPrice = await price.Task.WaitAsync(Wait);
            var servedRecord = JsonNode.Parse(await api.Client.GetStringAsync("/data?source=coingecko"))!["data"]!.AsArray().Single(r => (string?)r!["id"] == readPrice.Id)!;
            AssertSameJson(servedRecord, readPrice);
            Assert.Equal(83476.12345678m, readPrice.PriceUsd);

            var readRun = await run.Task.WaitAsync(Wait);
            Assert.Equal(seededRun.Id, readRun.Id);
            var listedRun = JsonNode.Parse(await api.Client.GetStringAsync("/runs"))!["data"]!.AsArray().Single(r => (long?)r!["id"] == readRun.Id)!;
            AssertSameJson(listedRun, readRun);
        }
        finally
        {
            await reader.StopAsync(CancellationToken.None);
        }
    }

    private static void AssertSameJson<T>(JsonNode served, T read)
    {
        var servedElement = JsonDocument.Parse(served.ToJsonString()).RootElement;
        var readElement = JsonSerializer.SerializeToElement(read, ContractJson.Options);
        Assert.True(JsonElement.DeepEquals(servedElement, readElement), $"The API serves\n{served.ToJsonString()}\nbut the dashboard's live feed read\n{readElement.GetRawText()}");
    }

    /// <summary>The dashboard's named stream client, here the test API's.</summary>
    private sealed class OneClient(HttpClient client) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => client;
    }
}
