
namespace Kasparro.Ingestion.Tests.Reliability;

/// <summary>
/// SIGKILL of the real Kasparro.Ingestion process in the middle of a large CSV run: what was committed stays,
/// the next run marks the dead run abandoned, resumes after the last checkpoint and ends at exact counts.
/// </summary>
public sealed class ProcessKillTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private const int Rows = 200_000;

    [Fact]
    public async Task A_run_killed_mid_file_resumes_from_its_checkpoint_to_exact_counts_without_duplicates()
    {
        var csv = BigCsv.Write(Rows);
        var environment = Environment(database.ConnectionString, csv);

        await using (var doomed = IngestionProcess.Start(["--once", "--source", "csv"], environment))
        {
            await Poll.UntilAsync(
                async () => doomed.HasExited || await database.ScalarAsync<long>("SELECT coalesce(max(fetched), 0) FROM etl_runs WHERE status = 'running'") > 0,
                TimeSpan.FromSeconds(60), "the first run to commit a batch");
            Assert.False(doomed.HasExited, $"the run finished before it could be killed; make the file bigger. Output:\n{doomed.Output}");
            await doomed.KillAsync();
        }

        var killedAt = await database.ScalarAsync<long>("SELECT fetched FROM etl_runs WHERE status = 'running'");
        Assert.InRange(killedAt, 1, Rows - 1);
        // Exactly the committed batches are visible: the batch in flight at the kill left nothing behind.
        Assert.Equal(killedAt, await database.ScalarAsync<long>("SELECT count(*) FROM normalized_records"));
        Assert.Equal(killedAt, await database.ScalarAsync<long>(RawCsvRows.Count));
        Assert.Equal(killedAt, await database.ScalarAsync<long>("SELECT count(*) FROM price_history"));

        await using (var rerun = IngestionProcess.Start(["--once", "--source", "csv"], environment))
        {
            // A guard against a hang, not a speed target: the rerun loads 198,000 rows of as many new series and then
            // computes the rollups of each one's day (docs/ingestion.md, Rollups).
            Assert.True(await rerun.WaitForExitAsync(TimeSpan.FromSeconds(180)) == 0, rerun.Output);
        }

        Assert.Equal("failed", await database.ScalarAsync<string>("SELECT status FROM etl_runs ORDER BY id LIMIT 1"));
        Assert.StartsWith("abandoned", await database.ScalarAsync<string>("SELECT error_message FROM etl_runs ORDER BY id LIMIT 1"));
        Assert.Equal("success", await database.ScalarAsync<string>("SELECT status FROM etl_runs ORDER BY id DESC LIMIT 1"));
        Assert.Equal(Rows - killedAt, await database.ScalarAsync<long>("SELECT fetched FROM etl_runs ORDER BY id DESC LIMIT 1"));
        Assert.Equal(Rows, await database.ScalarAsync<long>("SELECT count(*) FROM normalized_records"));
        Assert.Equal(Rows, await database.ScalarAsync<long>(RawCsvRows.Count));
        Assert.Equal(Rows, await database.ScalarAsync<long>("SELECT count(*) FROM price_history"));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM quarantined_records"));
        Assert.Equal(Rows, await database.ScalarAsync<long>(RawCsvRows.Distinct));
        // Every row arrived unchanged: the sum of prices is the sum of i + 0.25.
        Assert.Equal((decimal)Rows * (Rows + 1) / 2 + Rows * 0.25m,
            await database.ScalarAsync<decimal>("SELECT sum(price_usd) FROM normalized_records"));
    }

    /// <summary>The service configured by environment variables, CSV only, nothing scheduled.</summary>
    public static Dictionary<string, string> Environment(string connectionString, string csvPath, int batchSize = 2_000) => new()
    {
        ["ConnectionStrings__kasparro"] = connectionString,
        ["Sources__Csv__Enabled"] = "true",
        ["Sources__Csv__Path"] = csvPath,
        ["Sources__Csv__BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Sources__CoinGecko__Enabled"] = "false",
        ["Sources__CoinPaprika__Enabled"] = "false",
        ["Etl__RunOnStart"] = "false",
    };
}
