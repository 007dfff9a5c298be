using Kasparro.Data;
using Kasparro.Ingestion.Tests.Reliability;

namespace Kasparro.Ingestion.Tests.History;

/// <summary>
/// The real Kasparro.Ingestion process: partitions ahead exist soon after start; a compaction killed midway loses and
/// doubles nothing and the next start finishes it; a bad retention stops the start naming the key.
/// </summary>
public sealed class PartitionUpkeepProcessTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => HistorySeed.ClearAsync(database);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task At_start_the_service_creates_this_month_and_the_months_ahead_and_drops_months_outside_the_retention()
    {
        await HistorySeed.AddPointsAsync(database, "bitcoin", new DateTimeOffset(2020, 1, 15, 0, 0, 0, TimeSpan.Zero), DateTimeOffset.UtcNow.AddDays(-1));
        await HistorySeed.RollUpAsync(database);
        var environment = Environment();
        environment["History__PartitionsAhead"] = "3";
        environment["History__RawRetention"] = "400";
        var thisMonth = HistoryStorage.MonthOf(DateTimeOffset.UtcNow);
        var yesterday = HistoryStorage.PartitionName(HistoryStorage.MonthOf(DateTimeOffset.UtcNow.AddDays(-1)));
        var expected = Enumerable.Range(0, 4).Select(m => HistoryStorage.PartitionName(thisMonth.AddMonths(m))).Append(yesterday).Distinct().Order().ToList();

        await using var ingestion = IngestionProcess.Start(["--urls", "http://127.0.0.1:0"], environment);
        await Poll.UntilAsync(async () => await database.ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE action = 'history.partition_drop'") > 0
            || ingestion.HasExited, TimeSpan.FromSeconds(60), $"the upkeep at start. Output:\n{ingestion.Output}");

        Assert.Equal(expected, await HistorySeed.AttachedPartitionsAsync(database));
        Assert.Equal("price_points_2020_01", await database.ScalarAsync<string>("SELECT string_agg(target, ' ') FROM audit_events WHERE action = 'history.partition_drop'"));
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM price_points"));
    }

    [Fact]
    public async Task A_compaction_killed_midway_loses_and_doubles_nothing_and_the_next_start_finishes_it()
    {
        // 3,000 series x 144 points in each of four old months: 15 transactions of 200 series a month.
        await database.ExecuteAsync("""
            INSERT INTO price_series (source, source_id, asset_id) SELECT 'csv', 'S' || n, 's-' || n FROM generate_series(1, 3000) n;
            SELECT ensure_price_points_partitions(ARRAY['2025-01-01Z', '2025-02-01Z', '2025-03-01Z', '2025-04-01Z']::timestamptz[]);
            INSERT INTO price_points (observed_at, series_id, is_backfill, price_usd, market_cap_usd, volume_24h_usd)
            SELECT timestamptz '2025-01-10Z' + m * interval '1 month' + k * interval '10 minutes', n, k % 7 = 0,
                   round((1000.0 / n + k / 3.0)::numeric, 8), CASE WHEN k % 5 = 0 THEN NULL ELSE 1e9 / n END, k * 1.50
              FROM generate_series(1, 3000) n, generate_series(0, 3) m, generate_series(0, 143) k;
            """);
        const string Digest = """
            SELECT count(*) || ' ' || md5(string_agg(concat_ws(' ', source, source_id, observed_at, price_usd, market_cap_usd, volume_24h_usd, is_backfill),
                                                     ';' ORDER BY source, source_id, observed_at))
              FROM price_history
            """;
        var before = await database.ScalarAsync<string>(Digest);
        Assert.StartsWith("1728000 ", before, StringComparison.Ordinal);
        var environment = Environment();
        environment["History__CompactAfter"] = "30";

        await using (var first = IngestionProcess.Start(["--urls", "http://127.0.0.1:0"], environment))
        {
            await Poll.UntilAsync(async () => await database.ScalarAsync<long>("SELECT count(*) FROM price_chunks") > 0 || first.HasExited,
                TimeSpan.FromSeconds(90), $"the first chunks. Output:\n{first.Output}");
            await first.KillAsync();
        }

        var left = await database.ScalarAsync<long>("SELECT count(*) FROM price_points");
        Assert.True(left > 0, "the compaction finished before the kill: nothing was cut short");
        Assert.Equal(before, await database.ScalarAsync<string>(Digest));

        await using var second = IngestionProcess.Start(["--urls", "http://127.0.0.1:0"], environment);
        await Poll.UntilAsync(async () => await database.ScalarAsync<long>("SELECT count(*) FROM price_points") == 0 || second.HasExited,
            TimeSpan.FromSeconds(180), $"the compaction to finish after the restart. Output:\n{second.Output}");

        Assert.Equal(before, await database.ScalarAsync<string>(Digest));
        Assert.Equal(3000 * 4, await database.ScalarAsync<long>("SELECT count(*) FROM price_chunks"));
    }

    [Fact]
    public async Task A_retention_that_is_not_a_duration_stops_the_service_naming_the_key()
    {
        var environment = Environment();
        environment["History__RawRetention"] = "3 months";

        await using var ingestion = IngestionProcess.Start(["--urls", "http://127.0.0.1:0"], environment);
        var exitCode = await ingestion.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("History:RawRetention must be unset (keep everything), whole days (e.g. 400) or a duration", ingestion.Output, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Environment()
    {
        var environment = ProcessKillTests.Environment(database.ConnectionString, Path.Combine(TestTemp.NewFolder("csv"), "absent"));
        environment["Etl__Schedule__csv"] = "";
        environment["Etl__Schedule__coinpaprika"] = "";
        environment["Etl__Schedule__coingecko"] = "";
        environment["Backfill__Enabled"] = "false";
        return environment;
    }
}
