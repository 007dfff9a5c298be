using Kasparro.Data;
using Kasparro.Ingestion.Tests.Reliability;

namespace Kasparro.Ingestion.Tests.History;

/// <summary>The real Kasparro.Ingestion process: partitions ahead exist soon after start; a bad retention stops the start naming the key.</summary>
public sealed class PartitionUpkeepProcessTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => HistorySeed.ClearAsync(database);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task At_start_the_service_creates_this_month_and_the_configured_months_ahead()
    {
        var environment = Environment();
        environment["History__PartitionsAhead"] = "3";
        var thisMonth = HistoryStorage.MonthOf(DateTimeOffset.UtcNow);
        var expected = Enumerable.Range(0, 4).Select(m => HistoryStorage.PartitionName(thisMonth.AddMonths(m))).ToList();

        await using var ingestion = IngestionProcess.Start(["--urls", "http://127.0.0.1:0"], environment);
        await Poll.UntilAsync(async () => (await HistorySeed.AttachedPartitionsAsync(database)).Count >= 4 || ingestion.HasExited, TimeSpan.FromSeconds(60),
            $"the partitions ahead. Output:\n{ingestion.Output}");

        Assert.Equal(expected, await HistorySeed.AttachedPartitionsAsync(database));
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
