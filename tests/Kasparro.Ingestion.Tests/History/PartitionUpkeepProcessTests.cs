using Kasparro.Data;
using Kasparro.Ingestion.Tests.Reliability;

namespace Kasparro.Ingestion.Tests.History;

/// <summary>The real Kasparro.Ingestion process: partitions ahead exist soon after start; a bad retention stops the start naming the key.</summary>
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
