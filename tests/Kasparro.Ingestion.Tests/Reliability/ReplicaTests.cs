using Npgsql;

namespace Kasparro.Ingestion.Tests.Reliability;

/// <summary>
/// Two real Kasparro.Ingestion replicas on one database, as the AppHost runs them with <c>Ingestion:Replicas=2</c>:
/// the clustered Quartz store fires each schedule on exactly one of them, and a killed replica's job is recovered
/// by the other.
/// </summary>
public sealed class ReplicaTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    /// <summary>
    /// Each test starts from empty data and an empty Quartz store: a replica killed by the other test leaves its
    /// scheduler instance and triggers behind, and the next replicas would first recover them and catch up the missed
    /// fires in a burst; and its database sessions may still be finishing a statement, so they are ended first.
    /// </summary>
    public async Task InitializeAsync()
    {
        await database.TerminateOtherSessionsAsync();
        await database.ResetAsync();
        await database.ExecuteAsync("""
            TRUNCATE qrtz_fired_triggers, qrtz_simple_triggers, qrtz_cron_triggers, qrtz_simprop_triggers, qrtz_blob_triggers,
                     qrtz_triggers, qrtz_job_details, qrtz_paused_trigger_grps, qrtz_scheduler_state, qrtz_calendars
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Dictionary<string, string> Replica(string csv, string? cron = null, bool runOnStart = false)
    {
        var environment = ProcessKillTests.Environment(database.ConnectionString, csv);
        environment["Etl__RunOnStart"] = runOnStart ? "true" : "false";
        environment["Etl__Schedule__csv"] = cron ?? "";
        environment["Etl__Schedule__coinpaprika"] = "";
        environment["Etl__Schedule__coingecko"] = "";
        environment["Backfill__Enabled"] = "false";
        return environment;
    }

    [Fact]
    public async Task Each_scheduled_fire_runs_on_exactly_one_of_two_replicas()
    {
        var csv = BigCsv.Write(1_000);
        var environment = Replica(csv, cron: "0/5 * * * * ?");
        // The file is loaded once before the replicas start, so every scheduled run is short (the file is unchanged):
        // the slot check below holds only while a run ends within its 5-second slot, and the first load of 1,000 new
        // series (their partition and rollups included) can take longer than that on a busy machine, delaying the next
        // fire into the slot of the one after it.
        await using (var load = IngestionProcess.Start(["--once", "--source", "csv"], environment))
        {
            Assert.True(await load.WaitForExitAsync(TimeSpan.FromSeconds(120)) == 0, load.Output);
        }

        await using var first = IngestionProcess.Start(["--urls", "http://127.0.0.1:0"], environment);
        await using var second = IngestionProcess.Start(["--urls", "http://127.0.0.1:0"], environment);

        await Poll.UntilAsync(async () => await database.ScalarAsync<long>("SELECT count(*) FROM etl_runs WHERE status <> 'running' AND trigger = 'schedule'") >= 5,
            TimeSpan.FromSeconds(90), $"five scheduled runs. Replica 1:\n{first.Output}\nReplica 2:\n{second.Output}");

        // A fire every 5 s: two runs started within one 5-second slot would be the same fire run twice.
        var runs = await database.ScalarAsync<string>(
            "SELECT string_agg(concat_ws(' ', id, trigger, worker, status, to_char(started_at, 'HH24:MI:SS.MS'), to_char(finished_at, 'HH24:MI:SS.MS')), E'\\n' ORDER BY id) FROM etl_runs");
        Assert.True(0 == await database.ScalarAsync<long>("""
            SELECT count(*) FROM (
                SELECT floor(extract(epoch FROM started_at) / 5) AS slot FROM etl_runs WHERE trigger = 'schedule' GROUP BY 1 HAVING count(*) > 1) d
            """), runs);
        Assert.DoesNotContain("refused", first.Output + second.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM etl_runs WHERE status = 'failed'"));
        Assert.Equal(1_000, await database.ScalarAsync<long>("SELECT count(*) FROM normalized_records"));
    }

    [Fact]
    public async Task A_killed_replicas_run_is_recovered_by_the_other_replica_to_exact_counts()
    {
        const int rows = 200_000;
        var csv = BigCsv.Write(rows);
        await using var doomed = IngestionProcess.Start(["--urls", "http://127.0.0.1:0"], Replica(csv, runOnStart: true));
        await Poll.UntilAsync(async () => await database.ScalarAsync<long>("SELECT coalesce(max(fetched), 0) FROM etl_runs WHERE status = 'running'") > 0,
            TimeSpan.FromSeconds(60), $"the first replica to commit a batch. Output:\n{doomed.Output}");
        await using var survivor = IngestionProcess.Start(["--urls", "http://127.0.0.1:0"], Replica(csv));
        await Poll.UntilAsync(async () => await SchedulerInstancesAsync() >= 2, TimeSpan.FromSeconds(60), "the second replica to join the cluster");

        await doomed.KillAsync();

        // Quartz notices the dead instance after its check-in interval and misfire threshold, then re-fires its job.
        await Poll.UntilAsync(async () => await database.ScalarAsync<long>("SELECT count(*) FROM etl_runs WHERE status = 'success'") >= 1,
            TimeSpan.FromSeconds(120), $"the surviving replica to recover the run. Output:\n{survivor.Output}", intervalMs: 500);
        Assert.Equal(2, await database.ScalarAsync<long>("SELECT count(*) FROM etl_runs"));
        Assert.StartsWith("abandoned", await database.ScalarAsync<string>("SELECT error_message FROM etl_runs ORDER BY id LIMIT 1"));
        Assert.Equal($"/{survivor.Id}", await database.ScalarAsync<string>("SELECT substring(worker from '/[0-9]+$') FROM etl_runs ORDER BY id DESC LIMIT 1"));
        Assert.Equal(rows, await database.ScalarAsync<long>("SELECT count(*) FROM normalized_records"));
        Assert.Equal(rows, await database.ScalarAsync<long>("SELECT count(*) FROM price_history"));
        Assert.Equal(rows, await database.ScalarAsync<long>(RawCsvRows.Count));
    }

    private async Task<long> SchedulerInstancesAsync()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM qrtz_scheduler_state", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
