using System.Globalization;
using System.Text.Json;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.Backfill;
using Kasparro.Upstreams;
using Kasparro.Upstreams.Faults;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Ingestion.Tests.Backfill;

/// <summary>History backfill from CoinGecko market charts: fixture upstream over HTTP, real pipeline, real PostgreSQL.</summary>
public sealed class BackfillTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private UpstreamServer _upstream = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _upstream = await BackfillHarness.StartUpstreamAsync();
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    /// <summary>The market chart exactly as the fixture serves it: epoch ms to the price text.</summary>
    private static async Task<List<(long Ms, decimal Price)>> FetchChartAsync(UpstreamServer upstream, string id, int days)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.UserAgent.ParseAdd("kasparro-tests");
        using var json = JsonDocument.Parse(await http.GetStringAsync($"{upstream.CoinGeckoBaseUrl}/coins/{id}/market_chart?vs_currency=usd&days={days}"));
        return json.RootElement.GetProperty("prices").EnumerateArray()
            .Select(p => (p[0].GetInt64(), decimal.Parse(p[1].GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture)))
            .ToList();
    }

    [Fact]
    public async Task Ninety_days_land_hourly_in_history_at_the_exact_epoch_millisecond_without_touching_the_latest_records()
    {
        await using var host = BackfillHarness.CreateHost(database, _upstream);
        await host.SnapshotAsync();
        await using var db = database.CreateDb();
        var latestBefore = await db.MarketRecords.AsNoTracking().SingleAsync(r => r.Id == "coingecko_bitcoin");
        var snapshotPoint = await db.PriceHistory.AsNoTracking().SingleAsync(p => p.Source == SourceNames.CoinGecko && p.SourceId == "bitcoin");

        var outcome = await host.BackfillAsync(days: 90, assets: "bitcoin");

        var expected = await FetchChartAsync(_upstream, "bitcoin", 90);
        Assert.Equal(EtlRunStatus.Success, outcome.Run.Status);
        Assert.Equal((1, 1, 1), (outcome.Assets, outcome.AssetsDone, outcome.Requests));
        Assert.Equal(expected.Count, outcome.Run.Counts.Fetched);
        var backfilled = await db.PriceHistory.AsNoTracking()
            .Where(p => p.Source == SourceNames.CoinGecko && p.SourceId == "bitcoin" && p.IsBackfill)
            .OrderBy(p => p.ObservedAt).ToListAsync();
        Assert.Equal(outcome.Run.Counts.Inserted, backfilled.Count);
        Assert.Equal(outcome.Run.Counts.Fetched, outcome.Run.Counts.Inserted + outcome.Run.Counts.Unchanged);
        Assert.All(backfilled, p => Assert.Equal(latestBefore.AssetId, p.AssetId));

        // Every stored point is the fixture's point at the same millisecond with the same exact price.
        var byMs = expected.ToDictionary(p => p.Ms, p => p.Price);
        Assert.All(backfilled, p => Assert.Equal(byMs[p.ObservedAt.ToUnixTimeMilliseconds()], p.PriceUsd));
        // Hourly: the points before the final "now" point sit on the hour, one hour apart.
        var hourly = backfilled.Where(p => p.ObservedAt.Minute == 0 && p.ObservedAt.Second == 0).ToList();
        Assert.True(hourly.Count >= 89 * 24, $"only {hourly.Count} hourly points");
        Assert.All(hourly.Zip(hourly.Skip(1)), pair => Assert.Equal(TimeSpan.FromHours(1), pair.Second.ObservedAt - pair.First.ObservedAt));
        Assert.True(backfilled[0].ObservedAt <= BackfillHarness.Now.AddDays(-89.9));

        // The live snapshot stands for its hour: no backfilled point within half an hour of it, and it stays a snapshot.
        Assert.DoesNotContain(backfilled, p => (p.ObservedAt - snapshotPoint.ObservedAt).Duration() < TimeSpan.FromMinutes(30));
        Assert.False((await db.PriceHistory.AsNoTracking().SingleAsync(p => p.Source == SourceNames.CoinGecko && p.SourceId == "bitcoin" && p.ObservedAt == snapshotPoint.ObservedAt)).IsBackfill);
        Assert.True(outcome.Run.Counts.Unchanged >= 1);

        var latestAfter = await db.MarketRecords.AsNoTracking().SingleAsync(r => r.Id == "coingecko_bitcoin");
        Assert.Equal((latestBefore.PriceUsd, latestBefore.CreatedAt, latestBefore.IngestedAt), (latestAfter.PriceUsd, latestAfter.CreatedAt, latestAfter.IngestedAt));

        var run = await db.EtlRuns.AsNoTracking().SingleAsync(r => r.Id == outcome.Run.RunId);
        Assert.Equal((SourceNames.CoinGeckoHistory, EtlRunStatus.Success, 1), (run.Source, run.Status, run.Requests));
        Assert.Equal((outcome.Run.Counts.Fetched, outcome.Run.Counts.Inserted), (run.Fetched, run.Inserted));
        var checkpoint = await db.EtlCheckpoints.AsNoTracking().SingleAsync(c => c.Key == "coingecko-history:bitcoin");
        Assert.Equal(SourceNames.CoinGeckoHistory, checkpoint.Source);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(expected[^1].Ms), checkpoint.Watermark);
        Assert.Equal(1, await db.RawRecords.CountAsync(r => r.Source == SourceNames.CoinGeckoHistory && r.SourceId == "bitcoin"));
    }

    [Fact]
    public async Task A_year_lands_as_daily_points_at_midnight_utc()
    {
        await using var host = BackfillHarness.CreateHost(database, _upstream);
        await host.SnapshotAsync();

        var outcome = await host.BackfillAsync(days: 365, assets: "ethereum");

        Assert.Equal(EtlRunStatus.Success, outcome.Run.Status);
        await using var db = database.CreateDb();
        var daily = await db.PriceHistory.AsNoTracking()
            .Where(p => p.SourceId == "ethereum" && p.IsBackfill).OrderBy(p => p.ObservedAt).Select(p => p.ObservedAt).ToListAsync();
        var midnights = daily.Where(t => t.TimeOfDay == TimeSpan.Zero).ToList();
        Assert.InRange(midnights.Count, 364, 365);
        Assert.All(midnights.Zip(midnights.Skip(1)), pair => Assert.Equal(TimeSpan.FromDays(1), pair.Second - pair.First));
        Assert.Equal(midnights.Count, daily.Count(t => t < BackfillHarness.Now.AddHours(-12)));
    }

    [Fact]
    public async Task Gaps_in_the_upstream_series_are_kept_as_gaps_and_every_received_point_is_counted()
    {
        await using var gappy = await BackfillHarness.StartUpstreamAsync(gapRate: 0.2);
        await using var host = BackfillHarness.CreateHost(database, gappy);
        await host.SnapshotAsync();

        var outcome = await host.BackfillAsync(days: 30, assets: ["bitcoin", "solana"]);

        var expected = (await FetchChartAsync(gappy, "bitcoin", 30)).Count + (await FetchChartAsync(gappy, "solana", 30)).Count;
        Assert.Equal(EtlRunStatus.Success, outcome.Run.Status);
        Assert.Equal(expected, outcome.Run.Counts.Fetched);
        Assert.InRange(expected, 2 * 30 * 24 * 0.7, 2 * 30 * 24 * 0.9);
        await using var db = database.CreateDb();
        var stored = await db.PriceHistory.CountAsync(p => p.IsBackfill);
        Assert.Equal(outcome.Run.Counts.Inserted, stored);
        Assert.Equal(outcome.Run.Counts.Fetched, outcome.Run.Counts.Inserted + outcome.Run.Counts.Unchanged);
        // Missing hours stay missing: nothing is interpolated.
        var hours = await db.PriceHistory.Where(p => p.IsBackfill && p.SourceId == "bitcoin").Select(p => p.ObservedAt).ToListAsync();
        Assert.All(hours.Where(t => t.Minute == 0 && t.Second == 0), t => Assert.Equal(0, t.Millisecond));
        Assert.True(hours.Count < 30 * 24 * 0.9);
    }

    [Fact]
    public async Task Rerunning_a_backfill_adds_nothing_and_makes_no_requests_once_complete()
    {
        await using var host = BackfillHarness.CreateHost(database, _upstream);
        await host.SnapshotAsync();
        var first = await host.BackfillAsync(days: 10, top: 5);
        await using var db = database.CreateDb();
        var rowsAfterFirst = await db.PriceHistory.CountAsync();
        var requestsAfterFirst = _upstream.MarketChartRequests();

        var second = await host.BackfillAsync(days: 10, top: 5);

        Assert.Equal((5, 5, 5), (first.Assets, first.AssetsDone, first.Requests));
        Assert.Equal(EtlRunStatus.Success, second.Run.Status);
        Assert.Equal((0, 5, 0), (second.Assets, second.AlreadyComplete, second.Requests));
        Assert.Equal(0, second.Run.Counts.Inserted);
        Assert.Equal(requestsAfterFirst, _upstream.MarketChartRequests());
        Assert.Equal(rowsAfterFirst, await db.PriceHistory.CountAsync());

        // Even with the checkpoints gone, fetching everything again adds no row: every point is already there.
        await db.EtlCheckpoints.Where(c => c.Source == SourceNames.CoinGeckoHistory).ExecuteDeleteAsync();
        var third = await host.BackfillAsync(days: 10, top: 5);
        Assert.Equal(5, third.Requests);
        Assert.Equal(0, third.Run.Counts.Inserted);
        Assert.Equal(first.Run.Counts.Fetched, third.Run.Counts.Unchanged);
        Assert.Equal(rowsAfterFirst, await db.PriceHistory.CountAsync());
        Assert.Equal(2, await db.EtlRuns.CountAsync(r => r.Source == SourceNames.CoinGeckoHistory && r.Inserted == 0));
    }

    [Fact]
    public async Task The_top_n_are_the_largest_market_caps_of_the_latest_snapshot_and_a_longer_range_fetches_the_older_gap_again()
    {
        await using var host = BackfillHarness.CreateHost(database, _upstream);
        await host.SnapshotAsync();
        await using var db = database.CreateDb();
        var topThree = await db.MarketRecords.Where(r => r.Source == SourceNames.CoinGecko)
            .OrderByDescending(r => r.MarketCapUsd).Take(3).Select(r => r.SourceId).ToListAsync();

        await host.BackfillAsync(days: 5, top: 3);
        var deeper = await host.BackfillAsync(days: 20, top: 3);

        var charts = _upstream.Requests.Where(r => r.Route == UpstreamRoute.GeckoMarketChart).Select(r => r.PathAndQuery).ToList();
        Assert.Equal(topThree.Select(id => $"/coingecko/api/v3/coins/{id}/market_chart?vs_currency=usd&days=5"), charts.Take(3));
        Assert.Equal(topThree.Select(id => $"/coingecko/api/v3/coins/{id}/market_chart?vs_currency=usd&days=20"), charts.Skip(3));
        Assert.Equal(3, deeper.AssetsDone);
        var oldest = await db.PriceHistory.Where(p => p.IsBackfill && p.SourceId == topThree[0]).MinAsync(p => p.ObservedAt);
        Assert.True(oldest <= BackfillHarness.Now.AddDays(-19.9));
    }

    [Fact]
    public async Task A_429_mid_backfill_fails_the_run_with_its_reason_and_the_next_run_resumes_with_the_unfinished_assets()
    {
        // The limited server answers 429 with a Retry-After of about a minute from its fourth request on; the run
        // will not wait that long (Etl:MaxRetryAfter), so it stops there.
        await using (var seed = BackfillHarness.CreateHost(database, _upstream))
        {
            await seed.SnapshotAsync();
        }

        await using var limited = await BackfillHarness.StartUpstreamAsync(limits: new() { [UpstreamApi.CoinGecko] = 3 });
        var settings = new Dictionary<string, string?> { ["Etl:MaxRetryAfter"] = "00:00:01" };
        BackfillOutcome failed;
        await using (var host = BackfillHarness.CreateHost(database, limited, settings))
        {
            failed = await host.BackfillAsync(days: 7, top: 8);
        }

        Assert.Equal(EtlRunStatus.Failed, failed.Run.Status);
        Assert.Contains("Retry-After", failed.Run.Error);
        Assert.Contains("3 of 8 assets done", failed.Run.Error);
        await using var db = database.CreateDb();
        Assert.Equal(3, await db.EtlCheckpoints.CountAsync(c => c.Source == SourceNames.CoinGeckoHistory));
        var failedRun = await db.EtlRuns.AsNoTracking().SingleAsync(r => r.Id == failed.Run.RunId);
        Assert.Equal(EtlRunStatus.Failed, failedRun.Status);
        Assert.Equal(failed.Run.Counts.Inserted, failedRun.Inserted);
        Assert.True(failedRun.Inserted > 0);

        // A transient 429 (Retry-After: 1) on the resumed run is waited out and retried.
        _upstream.Faults.Enqueue(UpstreamRoute.GeckoMarketChart, Fault.TooManyRequests(retryAfterSeconds: 1));
        var before = _upstream.MarketChartRequests();
        await using (var host = BackfillHarness.CreateHost(database, _upstream))
        {
            var resumed = await host.BackfillAsync(days: 7, top: 8);

            Assert.Equal(EtlRunStatus.Success, resumed.Run.Status);
            Assert.Equal((5, 5, 3), (resumed.Assets, resumed.AssetsDone, resumed.AlreadyComplete));
            Assert.Equal(6, _upstream.MarketChartRequests() - before);
            Assert.Equal(1, (await db.EtlRuns.AsNoTracking().SingleAsync(r => r.Id == resumed.Run.RunId)).Retries);
        }

        Assert.Equal(8, await db.EtlCheckpoints.CountAsync(c => c.Source == SourceNames.CoinGeckoHistory));
        // The two runs together hold exactly what one uninterrupted backfill would.
        var total = await db.PriceHistory.CountAsync(p => p.IsBackfill);
        await db.PriceHistory.Where(p => p.IsBackfill).ExecuteDeleteAsync();
        await db.EtlCheckpoints.Where(c => c.Source == SourceNames.CoinGeckoHistory).ExecuteDeleteAsync();
        await using (var host = BackfillHarness.CreateHost(database, _upstream))
        {
            var clean = await host.BackfillAsync(days: 7, top: 8);
            Assert.Equal(total, clean.Run.Counts.Inserted);
        }
    }

    [Fact]
    public async Task An_id_no_snapshot_has_listed_is_reported_and_the_others_are_still_filled()
    {
        await using var host = BackfillHarness.CreateHost(database, _upstream);
        await host.SnapshotAsync();

        var outcome = await host.BackfillAsync(days: 3, assets: ["bitcoin", "no-such-coin"]);

        Assert.Equal(EtlRunStatus.Partial, outcome.Run.Status);
        Assert.Contains("no-such-coin", outcome.Run.Error);
        Assert.Equal(1, outcome.AssetsDone);
        Assert.Equal(1, _upstream.MarketChartRequests());
    }

    [Fact]
    public async Task A_second_backfill_while_one_runs_is_refused()
    {
        await using var host = BackfillHarness.CreateHost(database, _upstream, new Dictionary<string, string?> { ["Sources:CoinGecko:RequestsPerMinute"] = "60" });
        await host.SnapshotAsync();

        var first = host.BackfillAsync(days: 2, top: 3);
        while (_upstream.MarketChartRequests() == 0)
        {
            await Task.Delay(10);
        }

        var second = await host.BackfillAsync(days: 2, top: 3);
        Assert.Equal(Kasparro.Ingestion.Pipeline.RunOutcome.Refused, second.Run.Status);
        Assert.Contains("already running", second.Run.Error);
        Assert.Equal(EtlRunStatus.Success, (await first).Run.Status);
    }
}
