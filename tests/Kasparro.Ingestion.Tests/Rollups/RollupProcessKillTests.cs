using System.Globalization;
using System.Text;
using Kasparro.Data;
using Kasparro.Ingestion.Tests.Reliability;

namespace Kasparro.Ingestion.Tests.Rollups;

/// <summary>
/// SIGKILL of the real ingestion service while it loads a CSV and its rollup worker refreshes between (and during) the
/// batches: after a restart resumes the file and the rollup step runs, the rollups equal a recomputation from the raw
/// points, every committed point counted once.
/// </summary>
public sealed class RollupProcessKillTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const int Symbols = 400;
    private const int Snapshots = 500;

    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Rollups_are_exact_after_the_service_is_killed_mid_load_and_the_load_resumes()
    {
        var csv = SnapshotsCsv();
        var environment = ProcessKillTests.Environment(database.ConnectionString, csv);
        environment["Etl__RunOnStart"] = "true";
        environment["Etl__Schedule__csv"] = "";
        environment["Etl__Schedule__coinpaprika"] = "";
        environment["Etl__Schedule__coingecko"] = "";
        environment["Backfill__Enabled"] = "false";
        environment["Rollups__Interval"] = "00:00:00.200";
        environment["Rollups__SeriesDaysPerStep"] = "50";

        await using (var doomed = IngestionProcess.Start(["--urls", "http://127.0.0.1:0"], environment))
        {
            // Killed once the worker has rolled up some of what the run committed, with the run still going.
            await Poll.UntilAsync(
                async () => doomed.HasExited
                    || (await database.ScalarAsync<long>("SELECT coalesce(max(fetched), 0) FROM etl_runs WHERE status = 'running'") > 0
                        && await database.ScalarAsync<long>($"SELECT count(*) FROM {HistoryRollups.Daily}") > 0),
                TimeSpan.FromSeconds(90), $"the run to commit batches and the worker to roll some up. Output:\n{doomed.Output}");
            Assert.False(doomed.HasExited, $"the service exited before it could be killed. Output:\n{doomed.Output}");
            await doomed.KillAsync();
        }

        var killedAt = await database.ScalarAsync<long>("SELECT fetched FROM etl_runs WHERE status = 'running'");
        Assert.InRange(killedAt, 1, Symbols * Snapshots - 1);
        Assert.True(await database.ScalarAsync<long>($"SELECT count(*) FROM {HistoryRollups.QueueTable}") > 0, "nothing was left queued at the kill");

        environment["Etl__RunOnStart"] = "false";
        await using (var rerun = IngestionProcess.Start(["--once", "--source", "csv"], environment))
        {
            Assert.True(await rerun.WaitForExitAsync(TimeSpan.FromSeconds(120)) == 0, rerun.Output);
        }

        Assert.Equal(Symbols * Snapshots, await database.ScalarAsync<long>("SELECT count(*) FROM price_points"));
        var hourly = await RollupRecomputation.AssertExactAsync(database.ConnectionString, "after the kill and the resumed load");
        Assert.True(hourly > Symbols * 24, $"only {hourly} hourly rollups");
        Assert.Equal(Symbols * Snapshots, await database.ScalarAsync<long>($"SELECT sum(points) FROM {HistoryRollups.Daily}"));
    }

    /// <summary>Snapshots of every symbol 7 minutes apart from 2026-01-31 22:00Z: hours, days and a month boundary pass.</summary>
    private static string SnapshotsCsv()
    {
        var path = Path.Combine(TestTemp.NewFolder("rollup-kill"), "snapshots.csv");
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), bufferSize: 1 << 16);
        writer.Write("symbol,name,price_usd,market_cap_usd,volume_24h_usd,percent_change_24h,created_at\n");
        var start = new DateTimeOffset(2026, 1, 31, 22, 0, 0, TimeSpan.Zero);
        for (var snapshot = 0; snapshot < Snapshots; snapshot++)
        {
            var at = start.AddMinutes(7 * snapshot);
            for (var symbol = 1; symbol <= Symbols; symbol++)
            {
                var cap = (symbol + snapshot) % 5 == 0 ? "" : (symbol * 1000L + snapshot).ToString(CultureInfo.InvariantCulture);
                writer.Write(string.Create(CultureInfo.InvariantCulture,
                    $"K{symbol},Kill {symbol},{symbol}.{(snapshot * 7919) % 10000:D4},{cap},{snapshot},0.5,{at:yyyy-MM-ddTHH:mm:ssZ}\n"));
            }
        }

        return path;
    }
}
