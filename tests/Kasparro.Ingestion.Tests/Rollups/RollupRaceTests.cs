using Kasparro.Data;
using Kasparro.Ingestion.Rollups;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Rollups;

/// <summary>
/// Writes that land while the rollup step works: a write uncommitted when a step runs, a write committed while a step
/// recomputes its day, a step claiming a day whose later entries are queued or held by another step, and many writers
/// and steps at once (steps meeting entries of the same series-day). No committed point is ever left out of the rollups.
/// </summary>
public sealed class RollupRaceTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Day = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static string InsertPoint(DateTimeOffset at, decimal price, string series = "s1") => $"""
        INSERT INTO price_points ({HistoryStorage.PointColumns})
        VALUES ('{at:O}', (SELECT id FROM price_series WHERE source_id = '{series}'), false, {price}, NULL, NULL)
        """;

    private async Task<RollupRefresher> ArrangeAsync(NpgsqlDataSource dataSource)
    {
        await database.ExecuteAsync($"""
            SELECT {HistoryStorage.EnsurePartitionsFunction}(ARRAY['{Day.AddDays(-1):O}', '{Day:O}']::timestamptz[]);
            INSERT INTO price_series (source, source_id, asset_id) VALUES ('test', 's1', NULL), ('test', 's2', NULL), ('test', 's3', NULL);
            """);
        return new RollupRefresher(dataSource, Microsoft.Extensions.Options.Options.Create(new RollupOptions()), NullLogger<RollupRefresher>.Instance);
    }

    [Fact]
    public async Task A_write_uncommitted_while_a_step_runs_keeps_its_day_queued_and_is_rolled_up_once_committed()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var refresher = await ArrangeAsync(dataSource);
        await database.ExecuteAsync(InsertPoint(Day.AddHours(1), 10m)); // the day is queued, committed

        await using (var writer = await dataSource.OpenConnectionAsync())
        {
            await using var transaction = await writer.BeginTransactionAsync();
            await using (var insert = new NpgsqlCommand(InsertPoint(Day.AddHours(2), 20m), writer, transaction))
            {
                await insert.ExecuteNonQueryAsync();
            }

            // The step rolls the day up from what is committed (the first point) and does not wait for the writer.
            var step = await refresher.RefreshStepAsync(100, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(1, step.SeriesDays);
            Assert.Equal(1, await database.ScalarAsync<int>($"SELECT points FROM {HistoryRollups.Daily}"));
            await transaction.CommitAsync();
        }

        // The writer's own entry committed with its point: the day is queued again.
        Assert.Equal(1, await database.ScalarAsync<long>($"SELECT count(*) FROM {HistoryRollups.QueueTable}"));
        Assert.Equal(1, await refresher.RefreshQueuedAsync(CancellationToken.None));
        Assert.Equal(2, await database.ScalarAsync<int>($"SELECT points FROM {HistoryRollups.Daily}"));
        Assert.Equal("20", await database.ScalarAsync<string>($"SELECT close::text FROM {HistoryRollups.Daily}"));
        await RollupRecomputation.AssertExactAsync(database.ConnectionString, "after the held write");
    }

    [Fact]
    public async Task A_write_committed_while_a_step_recomputes_its_day_queues_the_day_again()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var refresher = await ArrangeAsync(dataSource);
        await database.ExecuteAsync(InsertPoint(Day.AddHours(1), 10m));

        // Holds the step inside its transaction after it took the day's entry, where it writes the hourly rollups.
        await using var blocker = await dataSource.OpenConnectionAsync();
        await using var blocking = await blocker.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand($"LOCK TABLE {HistoryRollups.Hourly} IN SHARE MODE", blocker, blocking))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var step = refresher.RefreshStepAsync(100, CancellationToken.None);
        await UntilWaitingAsync($"%{HistoryRollups.Hourly}%");
        // The writer does not wait for the step: its queue entry is a row of its own.
        await database.ExecuteAsync(InsertPoint(Day.AddHours(2), 20m)).WaitAsync(TimeSpan.FromSeconds(30));

        await blocking.CommitAsync();
        Assert.Equal(1, (await step.WaitAsync(TimeSpan.FromSeconds(30))).SeriesDays);

        // The step took only the entry it saw; the write's entry stays, so the day is recomputed again.
        Assert.Equal(1, await database.ScalarAsync<long>($"SELECT count(*) FROM {HistoryRollups.QueueTable}"));
        await refresher.RefreshQueuedAsync(CancellationToken.None);
        Assert.Equal(2, await database.ScalarAsync<int>($"SELECT points FROM {HistoryRollups.Daily}"));
        await RollupRecomputation.AssertExactAsync(database.ConnectionString, "after the write that waited");
    }

    [Fact]
    public async Task A_step_takes_every_queued_entry_of_a_day_it_claims_so_the_day_is_recomputed_once()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var refresher = await ArrangeAsync(dataSource);
        // Three writes of one series-day with another series' write between them, as a load's batches queue them.
        await database.ExecuteAsync(InsertPoint(Day.AddHours(1), 10m));
        await database.ExecuteAsync(InsertPoint(Day.AddHours(1), 10m, series: "s2"));
        await database.ExecuteAsync(InsertPoint(Day.AddHours(2), 20m));
        await database.ExecuteAsync(InsertPoint(Day.AddHours(3), 30m));

        // A step of one entry claims s1's day and takes its two later entries with it; s2's entry is left.
        Assert.Equal(new RollupStep(1, 1), await refresher.RefreshStepAsync(1, CancellationToken.None));
        Assert.Equal(1, await database.ScalarAsync<long>($"SELECT count(*) FROM {HistoryRollups.QueueTable}"));
        Assert.Equal(3, await database.ScalarAsync<int>($"SELECT points FROM {HistoryRollups.Daily} d JOIN price_series s ON s.id = d.series_id WHERE s.source_id = 's1'"));

        await AssertTheLastDayRolledUpExactlyAsync(refresher, "after a step took a day's later entries");
    }

    [Fact]
    public async Task An_entry_another_step_holds_is_skipped_and_stays_queued()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var refresher = await ArrangeAsync(dataSource);
        await database.ExecuteAsync(InsertPoint(Day.AddHours(1), 10m) + ";" + InsertPoint(Day.AddHours(2), 20m));

        // Another step has locked the day's newest entry (its candidates), as a step on another replica would.
        await using var other = await dataSource.OpenConnectionAsync();
        await using var holding = await other.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand($"SELECT id FROM {HistoryRollups.QueueTable} ORDER BY id DESC LIMIT 1 FOR UPDATE", other, holding))
        {
            await hold.ExecuteScalarAsync();
        }

        // The step does not wait for it: it recomputes the day from both points and leaves the held entry queued.
        Assert.Equal(1, (await refresher.RefreshStepAsync(1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30))).SeriesDays);
        Assert.Equal(2, await database.ScalarAsync<int>($"SELECT points FROM {HistoryRollups.Daily}"));
        await holding.RollbackAsync();
        Assert.Equal(1, await database.ScalarAsync<long>($"SELECT count(*) FROM {HistoryRollups.QueueTable}"));

        await AssertTheLastDayRolledUpExactlyAsync(refresher, "after the held entry was taken");
    }

    /// <summary>The one series-day left queued is recomputed by the next refresh, and then the rollups are exact.</summary>
    private async Task AssertTheLastDayRolledUpExactlyAsync(RollupRefresher refresher, string context)
    {
        Assert.Equal(1, await refresher.RefreshQueuedAsync(CancellationToken.None));
        await RollupRecomputation.AssertExactAsync(database.ConnectionString, context);
    }

    [Fact]
    public async Task Many_writers_and_steps_at_once_leave_rollups_equal_to_the_recomputation()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var refresher = await ArrangeAsync(dataSource);
        using var writersDone = new CancellationTokenSource();

        var writers = Enumerable.Range(0, 3).Select(writer => Task.Run(async () =>
        {
            var random = new Random(writer);
            for (var i = 0; i < 40; i++)
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                // Three series over two days: the writers keep meeting each other and the steps on the same entries.
                // Times are unique per writer (the microseconds name it), so writers never wait on each other's points.
                var at = Day.AddHours(random.Next(-6, 30)).AddMinutes(random.Next(60)).AddTicks(writer * 10 + i * 1000);
                await using (var insert = new NpgsqlCommand($"""
                    INSERT INTO price_points ({HistoryStorage.PointColumns})
                    SELECT $1, id, false, $2, $2 * 1000, NULL FROM price_series WHERE source_id = $3
                    """, connection, transaction))
                {
                    insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
                    insert.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = random.Next(1, 100_000) / 100m });
                    insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"s{random.Next(1, 4)}" });
                    await insert.ExecuteNonQueryAsync();
                }

                // The commit comes later than the queueing, as a batch's does.
                await Task.Delay(random.Next(0, 15));
                await transaction.CommitAsync();
            }
        })).ToList();
        var steps = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            var refreshed = 0;
            while (!writersDone.IsCancellationRequested)
            {
                refreshed += (await refresher.RefreshStepAsync(2, CancellationToken.None)).SeriesDays;
                await Task.Delay(3);
            }

            return refreshed;
        })).ToList();

        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(120));
        await writersDone.CancelAsync();
        var refreshedMeanwhile = (await Task.WhenAll(steps)).Sum();
        await refresher.RefreshQueuedAsync(CancellationToken.None);

        Assert.True(refreshedMeanwhile > 0, "no step ran while the writers wrote");
        Assert.Equal(120, await database.ScalarAsync<long>($"SELECT sum(points) FROM {HistoryRollups.Daily}"));
        await RollupRecomputation.AssertExactAsync(database.ConnectionString, "after concurrent writers and steps");
    }

    /// <summary>Waits until a statement like <paramref name="queryPattern"/> waits for a lock in this database.</summary>
    private Task UntilWaitingAsync(string queryPattern) =>
        Poll.UntilAsync(async () => await database.ScalarAsync<long>($"""
            SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '{queryPattern}'
            """) > 0, TimeSpan.FromSeconds(30), $"a statement like {queryPattern} to wait for a lock");
}
