using Kasparro.Data.Operations;
using Kasparro.Ingestion.Tests.Reliability;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Operations;

/// <summary>The real Kasparro.Ingestion executable: <c>--resume-source</c> and a bad <c>--backfill</c> range, by exit code and output.</summary>
public sealed class OperatorCommandLineTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__kasparro"] = database.ConnectionString,
            ["Sources__CoinPaprika__Enabled"] = "false",
            ["Sources__CoinGecko__Enabled"] = "false",
            ["Sources__Csv__Enabled"] = "false",
        };
        await using var process = IngestionProcess.Start(arguments, environment);
        var exit = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exit, process.Output);
    }

    [Fact]
    public async Task Resume_source_lifts_a_pause_once_and_says_when_there_is_nothing_to_resume()
    {
        await using (var dataSource = NpgsqlDataSource.Create(database.ConnectionString))
        {
            await SourcePauses.PauseAsync(dataSource, "coingecko", "breaking schema drift: missing field 'total_volume' (OnDrift = pause)", 7, DateTimeOffset.UtcNow, CancellationToken.None);
        }

        var (first, firstOutput) = await RunAsync("--resume-source", "coingecko");
        var (second, secondOutput) = await RunAsync("--resume-source", "coingecko");

        Assert.True(first == 0, firstOutput);
        Assert.Contains("coingecko resumed", firstOutput);
        Assert.Contains("missing field 'total_volume'", firstOutput);
        Assert.Equal(1, second);
        Assert.Contains("coingecko is not paused: nothing to resume.", secondOutput);
        Assert.Equal("cli", await database.ScalarAsync<string>("SELECT resumed_by FROM source_states WHERE source = 'coingecko'"));
    }

    [Fact]
    public async Task A_reversed_backfill_range_exits_2_with_the_reason()
    {
        var (exit, output) = await RunAsync("--backfill", "--from", "2025-02-01", "--to", "2025-01-01");

        Assert.Equal(2, exit);
        Assert.Contains("error: --from 2025-02-01 is after --to 2025-01-01", output);
    }
}
