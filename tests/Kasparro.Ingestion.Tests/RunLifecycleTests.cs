using Kasparro.Data.Entities;
using Kasparro.Ingestion.Options;
using Kasparro.Ingestion.Pipeline;
using Kasparro.Ingestion.Quality;
using Kasparro.Ingestion.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Polly.Timeout;

namespace Kasparro.Ingestion.Tests;

/// <summary>
/// The one run lifecycle every run goes through (snapshot and backfill alike), driven with small bodies against a
/// real PostgreSQL: refusals, how failures are worded and recorded, and the one batch transaction.
/// </summary>
public sealed class RunLifecycleTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const string Source = "lifecycle-test";
    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _dataSource = NpgsqlDataSource.Create(database.ConnectionString);
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    [Fact]
    public async Task A_per_attempt_timeout_fails_the_run_worded_as_such_with_the_bodys_progress()
    {
        var body = new RunBody(Source, (_, _) => throw new TimeoutRejectedException(TimeSpan.FromSeconds(5)))
        {
            WithProgress = (error, cancelled) => $"{error} (2 of 5 assets done, cancelled: {cancelled})",
        };

        var outcome = await Lifecycle().RunAsync(body, "test", "t-1", CancellationToken.None);

        const string expected = "lifecycle-test did not answer within 00:00:05 (Etl:AttemptTimeout) after every retry (2 of 5 assets done, cancelled: False)";
        Assert.Equal((EtlRunStatus.Failed, expected), (outcome.Status, outcome.Error));
        var row = await ReadRunAsync(outcome.RunId!.Value);
        Assert.Equal((EtlRunStatus.Failed, expected, "test", "t-1"), (row.Status, row.ErrorMessage, row.Trigger, row.TriggerId));
        Assert.NotNull(row.FinishedAt);
    }

    [Fact]
    public async Task A_body_that_outlives_the_run_timeout_fails_as_a_run_timeout()
    {
        var body = new RunBody(Source, async (_, token) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return new RunVerdict(EtlRunStatus.Success, null);
        });

        var outcome = await Lifecycle(TimeSpan.FromMilliseconds(200)).RunAsync(body, "test", null, CancellationToken.None);

        Assert.Equal((EtlRunStatus.Failed, "the run did not finish within Etl:RunTimeout (00:00:00.2000000)"), (outcome.Status, outcome.Error));
        Assert.Equal(outcome.Error, (await ReadRunAsync(outcome.RunId!.Value)).ErrorMessage);
    }

    [Fact]
    public async Task A_source_held_by_another_run_is_refused_before_any_row_or_body()
    {
        var called = false;
        var body = new RunBody(Source, (_, _) =>
        {
            called = true;
            return Task.FromResult(new RunVerdict(EtlRunStatus.Success, null));
        });
        await using var held = await SourceLock.TryAcquireAsync(_dataSource, Source, CancellationToken.None);

        var outcome = await Lifecycle().RunAsync(body, "test", null, CancellationToken.None);

        Assert.Equal((RunOutcome.Refused, (long?)null), (outcome.Status, outcome.RunId));
        Assert.Equal($"{Source} is already running in another process", outcome.Error);
        Assert.False(called);
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM etl_runs"));
    }

    [Fact]
    public async Task The_body_may_refuse_or_rename_the_trigger_before_the_start_row()
    {
        var succeed = new RunBody(Source, (_, _) => Task.FromResult(new RunVerdict(EtlRunStatus.Success, null)));

        var refused = await Lifecycle().RunAsync(
            succeed with { AdmitAsync = (_, _) => Task.FromResult(RunAdmission.Refuse(RunOutcome.Paused, "paused by a test")) }, "test", null, CancellationToken.None);
        var renamed = await Lifecycle().RunAsync(
            succeed with { AdmitAsync = (_, _) => Task.FromResult(RunAdmission.Start("full-refresh")) }, "test", null, CancellationToken.None);

        Assert.Equal((RunOutcome.Paused, "paused by a test", (long?)null), (refused.Status, refused.Error, refused.RunId));
        Assert.Equal(EtlRunStatus.Success, renamed.Status);
        Assert.Equal("full-refresh", (await ReadRunAsync(renamed.RunId!.Value)).Trigger);
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM etl_runs"));
    }

    [Fact]
    public async Task Committed_batches_count_in_the_run_row_and_a_failed_batch_adds_nothing()
    {
        var body = new RunBody(Source, async (run, token) =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(token);
            var resolver = new AssetResolver(await AssetStore.LoadAsync(connection, token), AssetOverrides.Empty, TimeProvider.System);
            await run.CommitBatchAsync(connection, resolver, withRaisedMarketCaps: true, _ => Task.FromResult(new BatchCounts(3, 2, 0, 1, 0)), token);
            await run.CommitBatchAsync(connection, resolver, withRaisedMarketCaps: true, async transaction =>
            {
                await using var command = new NpgsqlCommand("SELECT 1/0", connection, transaction);
                await command.ExecuteScalarAsync(token);
                return new BatchCounts(100, 100, 0, 0, 0);
            }, token);
            return new RunVerdict(EtlRunStatus.Success, null);
        });

        var outcome = await Lifecycle().RunAsync(body, "test", null, CancellationToken.None);

        Assert.Equal(EtlRunStatus.Failed, outcome.Status);
        Assert.StartsWith("database error: 22012: division by zero", outcome.Error);
        Assert.Equal(new BatchCounts(3, 2, 0, 1, 0), outcome.Counts);
        var row = await ReadRunAsync(outcome.RunId!.Value);
        Assert.Equal((3, 2, 1), (row.Fetched, row.Inserted, row.Unchanged));
    }

    [Fact]
    public async Task When_the_database_connection_dies_mid_batch_the_batchs_own_failure_is_what_propagates()
    {
        // The resolver's reload after a rolled-back batch fails too on a dead connection; its "Connection is not open"
        // must not replace the reason the batch failed (snapshot and backfill share this one batch transaction).
        var run = new RunContext(Source, 1, Kasparro.Ingestion.Upstream.RunScope.Begin(), NullLogger.Instance);
        await using var connection = await _dataSource.OpenConnectionAsync();
        var resolver = new AssetResolver(await AssetStore.LoadAsync(connection, CancellationToken.None), AssetOverrides.Empty, TimeProvider.System);
        Exception? batchFailure = null;

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => run.CommitBatchAsync(connection, resolver, withRaisedMarketCaps: true, async transaction =>
        {
            await using (var kill = _dataSource.CreateCommand($"SELECT pg_terminate_backend({connection.ProcessID})"))
            {
                await kill.ExecuteScalarAsync();
            }

            try
            {
                await using var command = new NpgsqlCommand("SELECT 1", connection, transaction);
                await command.ExecuteScalarAsync();
            }
            catch (Exception ex)
            {
                batchFailure = ex;
                throw;
            }

            return default;
        }, CancellationToken.None));

        Assert.NotNull(batchFailure);
        Assert.Same(batchFailure, thrown);
        Assert.Equal(default, run.Counts);
    }

    private RunLifecycle Lifecycle(TimeSpan? runTimeout = null) => new(
        _dataSource,
        new RunRecorder(_dataSource, TimeProvider.System),
        new Kasparro.Ingestion.Rollups.RollupRefresher(_dataSource, Microsoft.Extensions.Options.Options.Create(new Kasparro.Ingestion.Rollups.RollupOptions()),
            NullLogger<Kasparro.Ingestion.Rollups.RollupRefresher>.Instance),
        Microsoft.Extensions.Options.Options.Create(new EtlOptions { RunTimeout = runTimeout ?? TimeSpan.FromMinutes(30) }),
        NullLogger<RunLifecycle>.Instance);

    private async Task<EtlRun> ReadRunAsync(long runId)
    {
        await using var db = database.CreateDb();
        return await db.EtlRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
    }
}
