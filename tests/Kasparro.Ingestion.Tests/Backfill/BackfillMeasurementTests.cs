using System.Diagnostics;
using System.Globalization;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Upstreams;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace Kasparro.Ingestion.Tests.Backfill;

/// <summary>
/// The sizing run: 90 days of the top 100 assets against the fixture at 6000 requests/min, measured (requests,
/// points, wall time) and projected to the demo plan's 30 requests/min. The numbers go to the test output.
/// </summary>
public sealed class BackfillMeasurementTests(DatabaseFixture database, ITestOutputHelper output) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private UpstreamServer _upstream = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _upstream = await BackfillHarness.StartUpstreamAsync();
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task Ninety_days_of_the_top_100_take_one_request_per_asset()
    {
        await using var host = BackfillHarness.CreateHost(database, _upstream);
        await host.SnapshotAsync();

        var clock = Stopwatch.StartNew();
        var outcome = await host.BackfillAsync(days: 90, top: 100);
        clock.Stop();

        Assert.Equal(EtlRunStatus.Success, outcome.Run.Status);
        Assert.Equal((100, 100, 100), (outcome.Assets, outcome.AssetsDone, outcome.Requests));
        Assert.Equal(100, _upstream.MarketChartRequests());
        var counts = outcome.Run.Counts;
        Assert.Equal(counts.Fetched, counts.Inserted + counts.Unchanged + counts.Quarantined);
        await using var db = database.CreateDb();
        Assert.Equal(counts.Inserted, await db.PriceHistory.CountAsync(p => p.IsBackfill));
        Assert.InRange(counts.Inserted, 100 * 89 * 24, 100 * (90 * 24 + 1));

        var wall = clock.Elapsed;
        var atDemoPlan = TimeSpan.FromMinutes(outcome.Requests / 30.0);
        var atBackfillShare = TimeSpan.FromMinutes(outcome.Requests / 15.0);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"measured at 6000/min: {outcome.Requests} requests, {counts.Fetched} points received, {counts.Inserted} written, {counts.Unchanged} already there, wall {wall.TotalSeconds:0.0} s ({counts.Inserted / wall.TotalSeconds:0} points/s)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"projected at 30/min: {atDemoPlan.TotalMinutes:0.0} min using the whole rate; {atBackfillShare.TotalMinutes:0.0} min at the default half share (15/min); local write time {wall.TotalSeconds:0.0} s overlaps the waits"));
    }
}
