using System.Text.Json;
using Kasparro.Data;
using Kasparro.Upstreams;
using Kasparro.Upstreams.Universe;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kasparro.Api.Tests.Streaming;

/// <summary>
/// Restarts lose nothing: the API restarting (its clients reconnect with their Last-Event-ID to the new process) and
/// PostgreSQL restarting under a running API (the feed reconnects and reads on from where it was).
/// </summary>
public sealed class StreamRestartTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private UpstreamServer _upstream = null!;

    public async Task InitializeAsync() =>
        _upstream = await UpstreamServer.StartAsync(new UpstreamOptions { Universe = UpstreamUniverse.RealTop200() });

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private static bool FinishedRun(ReceivedEvent e, long? runId) =>
        e.Type == "run" && JsonDocument.Parse(e.Data).RootElement is var run
        && run.GetProperty("id").GetInt64() == runId && run.GetProperty("status").GetString() != "running";

    private static string RecordId(ReceivedEvent e) => JsonDocument.Parse(e.Data).RootElement.GetProperty("id").GetString()!;

    [Fact]
    public async Task A_client_that_reconnects_to_a_restarted_API_gets_what_committed_while_it_was_down()
    {
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync("stream");
        await using var ingestion = IngestionHost.Create(connectionString, _upstream);
        string? lastEventId;
        await using (var api = await StreamHost.StartAsync(connectionString))
        {
            await using var client = await api.ConnectAsync("/stream?source=coingecko");
            var first = await ingestion.RunAsync(SourceNames.CoinGecko);
            await client.UntilAsync(e => FinishedRun(e, first.RunId), Wait);
            lastEventId = client.LastEventId;
        }

        var changed = _upstream.AdvanceSnapshot(7).Where(c => c.GeckoId is not null).Select(c => "coingecko_" + c.GeckoId).ToList();
        var second = await ingestion.RunAsync(SourceNames.CoinGecko);

        await using var restarted = await StreamHost.StartAsync(connectionString);
        await using var back = await restarted.ConnectAsync("/stream?source=coingecko", lastEventId);
        var missed = await back.UntilAsync(e => FinishedRun(e, second.RunId), Wait);

        Assert.Equal(changed.Order(), missed.Where(e => e.Type == "price").Select(RecordId).Order());
        Assert.Equal(missed.Count, missed.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task After_PostgreSQL_restarts_the_stream_goes_on_and_a_reconnecting_client_misses_nothing()
    {
        await using var server = await PostgresServer.StartAsync();
        var connectionString = await server.CreateMigratedDatabaseAsync("kasparro_stream");
        var ingestion = IngestionHost.Create(connectionString, _upstream);
        await using var api = await StreamHost.StartAsync(connectionString);
        await using var staying = await api.ConnectAsync("/stream?source=coingecko");
        var leaving = await api.ConnectAsync("/stream?source=coingecko");
        var first = await ingestion.RunAsync(SourceNames.CoinGecko);
        await staying.UntilAsync(e => FinishedRun(e, first.RunId), Wait);
        await leaving.UntilAsync(e => FinishedRun(e, first.RunId), Wait);
        var lastEventId = leaving.LastEventId;
        await leaving.DisposeAsync();

        await ingestion.DisposeAsync();
        await server.StopAsync();
        await server.RestartAsync();
        await using var ingestionAfter = IngestionHost.Create(connectionString, _upstream);
        var changed = _upstream.AdvanceSnapshot(7).Where(c => c.GeckoId is not null).Select(c => "coingecko_" + c.GeckoId).ToList();
        var second = await ingestionAfter.RunAsync(SourceNames.CoinGecko);

        var live = await staying.UntilAsync(e => FinishedRun(e, second.RunId), Wait);
        Assert.Equal(changed.Order(), live.Where(e => e.Type == "price").Select(RecordId).Order());
        await using var back = await api.ConnectAsync("/stream?source=coingecko", lastEventId);
        var missed = await back.UntilAsync(e => FinishedRun(e, second.RunId), Wait);
        Assert.Equal(changed.Order(), missed.Where(e => e.Type == "price").Select(RecordId).Order());
    }
}
