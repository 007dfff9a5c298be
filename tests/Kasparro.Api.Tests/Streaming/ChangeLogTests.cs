using System.Text.Json;
using Kasparro.Api.Streaming;
using Kasparro.Data;
using Kasparro.Ingestion.ChangeFeed;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Api.Tests.Streaming;

/// <summary>The change-log triggers and the trimming, on their own.</summary>
public sealed class ChangeLogTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const string InsertRecord = """
        INSERT INTO normalized_records (id, source, source_id, asset_id, ticker, name, price_usd, created_at, ingested_at)
        VALUES ('csv_{0}', 'csv', '{0}', 'asset-{0}', 'T', 'Token', 1, now(), now())
        """;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        await database.ExecuteAsync("DELETE FROM change_log");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Only_changed_values_are_logged_and_a_rollback_logs_nothing()
    {
        await database.ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, InsertRecord, "a"));
        await database.ExecuteAsync("UPDATE normalized_records SET ingested_at = now() + interval '1 minute'");
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await new NpgsqlCommand("UPDATE normalized_records SET price_usd = 2", connection, transaction).ExecuteNonQueryAsync();
            await transaction.RollbackAsync();
        }

        await database.ExecuteAsync("UPDATE normalized_records SET price_usd = 3");

        Assert.Equal(2, await database.ScalarAsync<long>("SELECT count(*) FROM change_log"));
        Assert.Equal("{csv_a}|{asset-a}", await database.ScalarAsync<string>("SELECT record_ids::text || '|' || asset_ids::text FROM change_log ORDER BY id DESC LIMIT 1"));
    }

    [Fact]
    public async Task A_change_committed_while_an_older_writer_is_open_is_read_after_it_and_neither_writer_waits()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var reader = new ChangeReader(dataSource, Options.Create(new Microsoft.AspNetCore.Http.Json.JsonOptions()));
        var start = await reader.LatestAsync(CancellationToken.None);
        await using var early = new NpgsqlConnection(database.ConnectionString);
        await early.OpenAsync();
        await using var earlyTransaction = await early.BeginTransactionAsync();
        await new NpgsqlCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, InsertRecord, "early"), early, earlyTransaction).ExecuteNonQueryAsync();

        // A later writer commits first, without waiting for the open one.
        await database.ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, InsertRecord, "late")).WaitAsync(TimeSpan.FromSeconds(5));
        // Its change is not readable yet: reading past it now would skip the open writer's change for good.
        Assert.Empty(await reader.ReadAfterAsync(start, CancellationToken.None));

        await earlyTransaction.CommitAsync();
        // Readable once every older writing transaction of the server has ended (other tests' too: they share it).
        IReadOnlyList<StreamChange> changes = [];
        await Poll.UntilAsync(async () => (changes = await reader.ReadAfterAsync(start, CancellationToken.None)).Count >= 2,
            TimeSpan.FromSeconds(30), "both changes readable");

        Assert.Equal(["csv_early", "csv_late"], changes.Select(c => JsonDocument.Parse(c.Events.Single().Data).RootElement.GetProperty("id").GetString()));
        Assert.Empty(await reader.ReadAfterAsync(changes[^1].Cursor, CancellationToken.None));
    }

    [Fact]
    public async Task Trimming_deletes_the_rows_older_than_the_retention_only()
    {
        await database.ExecuteAsync("""
            INSERT INTO change_log (kind, source, run_id, created_at)
            SELECT 'run', 'csv', n, now() - n * interval '1 hour' FROM generate_series(1, 30) AS n
            """);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var trimmer = new ChangeLogTrimmer(dataSource, Options.Create(new ChangeLogOptions { LogRetention = TimeSpan.FromHours(24) }),
            TimeProvider.System, NullLogger<ChangeLogTrimmer>.Instance);

        Assert.Equal(7, await trimmer.TrimAsync(CancellationToken.None));
        Assert.Equal(23, await database.ScalarAsync<long>("SELECT count(*) FROM change_log"));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM change_log WHERE created_at < now() - interval '24 hours'"));
    }
}
