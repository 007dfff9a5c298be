using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.Backfill;
using Kasparro.Ingestion.Options;
using Kasparro.Upstreams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Quartz;
using Xunit.Abstractions;

namespace Kasparro.Ingestion.Tests.Backfill;

/// <summary>The backfill shares CoinGecko with the snapshots without starving them, and is scheduled below them.</summary>
public sealed class BackfillSchedulingTests(DatabaseFixture database, ITestOutputHelper output) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private UpstreamServer _upstream = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _upstream = await BackfillHarness.StartUpstreamAsync();
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task The_backfill_keeps_to_its_share_of_the_rate_and_a_snapshot_runs_through_while_it_works()
    {
        // CoinGecko at 600/min (one request per 100 ms, shared); the backfill may use a quarter: one per 400 ms.
        await using var host = BackfillHarness.CreateHost(database, _upstream, new Dictionary<string, string?>
        {
            ["Sources:CoinGecko:RequestsPerMinute"] = "600",
            ["Backfill:ShareOfRate"] = "0.25",
        });
        await host.SnapshotAsync();
        var snapshotPages = _upstream.Requests.Count(r => r.Route == UpstreamRoute.GeckoMarkets);

        var backfill = host.BackfillAsync(days: 2, top: 8);
        while (_upstream.MarketChartRequests() < 2)
        {
            await Task.Delay(5);
        }

        var snapshot = await host.RunAsync(SourceNames.CoinGecko);
        var snapshotDone = DateTimeOffset.UtcNow;
        var outcome = await backfill;

        Assert.Equal(EtlRunStatus.Success, snapshot.Status);
        Assert.Equal(EtlRunStatus.Success, outcome.Run.Status);
        var charts = _upstream.Requests.Where(r => r.Route == UpstreamRoute.GeckoMarketChart).Select(r => r.ReceivedAtUtc).ToList();
        var gaps = charts.Zip(charts.Skip(1), (a, b) => b - a).ToList();
        output.WriteLine($"backfill request gaps (ms): {string.Join(", ", gaps.Select(g => (int)g.TotalMilliseconds))}");
        // A token bucket bounds the count in every window (one token per 400 ms, plus the one it starts with); single
        // gaps may be shorter when the shared limiter held the previous request back after it took its token.
        for (var i = 0; i < charts.Count; i++)
        {
            for (var j = i + 1; j < charts.Count; j++)
            {
                var allowed = 1 + (charts[j] - charts[i]).TotalMilliseconds / 400 * 1.05;
                Assert.True(j - i <= allowed, $"{j - i + 1} backfill requests within {(charts[j] - charts[i]).TotalMilliseconds} ms");
            }
        }

        Assert.True(charts[^1] - charts[0] >= TimeSpan.FromMilliseconds(400 * (charts.Count - 2)), "the backfill went faster than its share");
        // The snapshot did not wait for the backfill to finish: it was done before the backfill's last request.
        Assert.Equal(2 * snapshotPages, _upstream.Requests.Count(r => r.Route == UpstreamRoute.GeckoMarkets));
        Assert.True(snapshotDone < charts[^1], "the snapshot finished only after the backfill");
        Assert.Equal(0, _upstream.RateLimitViolations);
    }

    [Fact]
    public async Task The_backfill_job_is_stored_with_its_cron_below_the_snapshots_priority()
    {
        await using var host = BackfillHarness.CreateHost(database, _upstream, new Dictionary<string, string?>
        {
            ["Backfill:Enabled"] = "true",
            ["Etl:Schedule:coingecko-history"] = "0 45 3 * * ?",
        });
        await Kasparro.Ingestion.Schema.SchemaMigrator.MigrateAsync(host.Services.GetRequiredService<IServiceScopeFactory>(), CancellationToken.None);
        var scheduler = host.Services.GetRequiredKeyedService<IScheduler>(EtlScheduling.SchedulerName);

        await BackfillSchedule.RegisterAsync(scheduler, host.Services.GetRequiredService<IOptions<HistoryBackfillOptions>>().Value,
            host.Services.GetRequiredService<IOptions<EtlOptions>>().Value, TimeProvider.System, CancellationToken.None);

        var job = await scheduler.GetJobDetail(new JobKey(SourceNames.CoinGeckoHistory, EtlScheduling.JobGroup));
        Assert.Equal(typeof(BackfillJob), job!.JobType.Type);
        var cron = (ICronTrigger)(await scheduler.GetTrigger(new TriggerKey(SourceNames.CoinGeckoHistory, EtlScheduling.ScheduleTriggerGroup)))!;
        Assert.Equal("0 45 3 * * ?", cron.CronExpressionString);
        Assert.Equal(BackfillSchedule.Priority, cron.Priority);
        Assert.True(cron.Priority < TriggerBuilder.Create().WithIdentity("any").ForJob("any").Build().Priority);
        var startup = await scheduler.GetTrigger(new TriggerKey(SourceNames.CoinGeckoHistory, "startup"));
        Assert.Equal(BackfillSchedule.Priority, startup!.Priority);
    }
}
