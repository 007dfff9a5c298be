using System.Diagnostics;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Xunit.Abstractions;

namespace Kasparro.Ingestion.Tests.Reliability;

/// <summary>
/// PostgreSQL stopped under a loading run (the ingestion half; the API half is in HealthApiTests): the run fails
/// with a database reason, no batch is half-visible, and the same service recovers by itself when the database returns.
/// </summary>
public sealed class DatabaseOutageTests(ITestOutputHelper output)
{
    private const int Rows = 100_000;

    [Fact]
    public async Task A_run_whose_database_stops_fails_with_the_reason_leaves_whole_batches_and_the_next_run_completes()
    {
        await using var server = await PostgresServer.StartAsync();
        var connectionString = await server.CreateMigratedDatabaseAsync("kasparro_outage");
        var csv = BigCsv.Write(Rows);
        await using var host = IngestionHost.Create(connectionString, upstream: null, csv,
            new Dictionary<string, string?> { ["Sources:Csv:BatchSize"] = "2000" });

        var run = host.RunAsync(SourceNames.Csv);
        await Poll.UntilAsync(async () => run.IsCompleted || await ScalarAsync<long>(connectionString,
            "SELECT coalesce(max(fetched), 0) FROM etl_runs WHERE status = 'running'") > 0, TimeSpan.FromSeconds(30), "a committed batch");
        Assert.False(run.IsCompleted, "the run finished before the database could be stopped; make the file bigger");
        var clock = Stopwatch.StartNew();
        await server.StopAsync();

        var failed = await run.WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"run ended {clock.ElapsedMilliseconds} ms after the stop: {failed.Status}: {failed.Error}");
        Assert.Equal(EtlRunStatus.Failed, failed.Status);
        Assert.StartsWith("database error:", failed.Error);

        await server.RestartAsync();
        // Whole batches only: the data, the checkpoint and the run's counts were committed together.
        var committed = await ScalarAsync<long>(connectionString, "SELECT fetched FROM etl_runs WHERE id = " + failed.RunId);
        output.WriteLine($"committed before the stop: {committed} of {Rows}");
        Assert.Equal(0, committed % 2000);
        Assert.Equal(committed, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM normalized_records"));
        Assert.Equal(committed, await ScalarAsync<long>(connectionString, RawCsvRows.Count));
        Assert.Equal(committed, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM price_history"));
        Assert.Equal(committed, await ScalarAsync<long>(connectionString,
            "SELECT (position::jsonb ->> 'row')::bigint FROM etl_checkpoints WHERE source = 'csv'"));

        // The same service, not restarted: its connection pool must get past the dead connections by itself.
        var next = await host.RunAsync(SourceNames.Csv);

        Assert.Equal(EtlRunStatus.Success, next.Status);
        Assert.Equal(Rows - committed, next.Counts.Fetched);
        Assert.Equal(Rows, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM normalized_records"));
        Assert.Equal(Rows, await ScalarAsync<long>(connectionString, RawCsvRows.Count));
        Assert.Equal(Rows, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM price_history"));
        var first = await ScalarAsync<string>(connectionString, $"SELECT status || ': ' || error_message FROM etl_runs WHERE id = {failed.RunId}");
        Assert.StartsWith("failed: ", first);
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
