using Kasparro.Data;
using Kasparro.Ingestion.History;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Kasparro.Ingestion.Tests.History;

/// <summary>
/// Partition upkeep against a real PostgreSQL, at a fixed now (2026-12-05 12:00 UTC): months ahead created, retention
/// dropping only whole months outside the window (never a point inside it), rollups untouched, two replicas at once.
/// </summary>
public sealed class PartitionUpkeepTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    /// <summary>100 days before <see cref="Now"/>: the window starts 2026-08-27 12:00, inside August's partition.</summary>
    private static readonly DateTimeOffset WindowStart = Now.AddDays(-100);

    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await HistorySeed.ClearAsync(database);
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    [Fact]
    public async Task Upkeep_creates_the_current_month_and_the_months_ahead_once()
    {
        var upkeep = Upkeep(new HistoryOptions { PartitionsAhead = 3 });

        var first = await upkeep.RunAsync(CancellationToken.None);
        var second = await upkeep.RunAsync(CancellationToken.None);

        Assert.Equal(4, first.Created);
        Assert.Equal(0, second.Created);
        Assert.Equal(["price_points_2026_12", "price_points_2027_01", "price_points_2027_02", "price_points_2027_03"], await HistorySeed.AttachedPartitionsAsync(database));
        Assert.Empty(first.Dropped);
    }

    [Fact]
    public async Task Retention_drops_only_months_that_end_before_the_window_and_keeps_every_point_inside_it()
    {
        await HistorySeed.AddPointsAsync(database, "bitcoin",
            At(2026, 6, 10), At(2026, 7, 31, 23), // months wholly outside the window
            At(2026, 8, 1), At(2026, 8, 27, 11), // outside the window, but their month reaches into it
            At(2026, 8, 27, 12), At(2026, 8, 31, 23), At(2026, 9, 15), At(2026, 11, 30), At(2026, 12, 5)); // inside
        await HistorySeed.AddPointsAsync(database, "ethereum", At(2026, 7, 1), At(2026, 8, 20), At(2026, 10, 1));
        await HistorySeed.RollUpAsync(database);
        var rollupsBefore = await RollupsAsync();
        var insideBefore = await PointsSinceAsync(WindowStart);
        var augustBefore = await database.ScalarAsync<long>("SELECT count(*) FROM price_points_2026_08");

        var outcome = await Upkeep(new HistoryOptions { RawRetention = "100" }).RunAsync(CancellationToken.None);

        Assert.Equal(["price_points_2026_06", "price_points_2026_07"], outcome.Dropped.Select(p => p.Name));
        Assert.Equal(["price_points_2026_08", "price_points_2026_09", "price_points_2026_10", "price_points_2026_11", "price_points_2026_12",
            "price_points_2027_01", "price_points_2027_02"], await HistorySeed.AttachedPartitionsAsync(database));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname IN ('price_points_2026_06', 'price_points_2026_07')"));
        Assert.Equal(6, insideBefore);
        Assert.Equal(insideBefore, await PointsSinceAsync(WindowStart));
        Assert.Equal(augustBefore, await database.ScalarAsync<long>("SELECT count(*) FROM price_points_2026_08"));
        Assert.Equal(3, await database.ScalarAsync<long>($"SELECT count(*) FROM price_points WHERE observed_at < '{WindowStart:O}'"));
        Assert.Contains("2026-06-10", rollupsBefore, StringComparison.Ordinal);
        Assert.Equal(rollupsBefore, await RollupsAsync());
        Assert.Equal("price_points_2026_06 price_points_2026_07", await database.ScalarAsync<string>(
            "SELECT string_agg(target, ' ' ORDER BY target) FROM audit_events WHERE action = 'history.partition_drop' AND actor = 'retention' AND outcome = 'success'"));
        Assert.Contains("range=[2026-06-01, 2026-07-01)", await database.ScalarAsync<string>(
            "SELECT detail FROM audit_events WHERE target = 'price_points_2026_06'"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_month_whose_rollups_are_still_queued_is_kept_until_they_are_computed()
    {
        await HistorySeed.AddPointsAsync(database, "bitcoin", At(2026, 5, 10, 9), At(2026, 12, 1));
        var upkeep = Upkeep(new HistoryOptions { RawRetention = "100" });

        var queued = await upkeep.RunAsync(CancellationToken.None);
        Assert.Empty(queued.Dropped);
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM price_points_2026_05"));

        await HistorySeed.RollUpAsync(database);
        var rolledUp = await upkeep.RunAsync(CancellationToken.None);

        Assert.Equal(["price_points_2026_05"], rolledUp.Dropped.Select(p => p.Name));
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT points FROM price_rollups_1d WHERE bucket = '2026-05-10Z'"));
    }

    [Fact]
    public async Task A_write_into_a_long_dropped_month_gets_its_partition_back()
    {
        await HistorySeed.AddPointsAsync(database, "bitcoin", At(2017, 3, 1), At(2026, 12, 1));
        await HistorySeed.RollUpAsync(database);
        var outcome = await Upkeep(new HistoryOptions { RawRetention = "100" }).RunAsync(CancellationToken.None);
        Assert.Contains("price_points_2017_03", outcome.Dropped.Select(p => p.Name));

        // A CSV from 2017 arriving later: the view's write path creates the month again.
        await database.ExecuteAsync("""
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, is_backfill)
            VALUES ('csv', 'BTC', '2017-03-02Z', 'bitcoin', 1100.25, false)
            """);

        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM price_points_2017_03"));
        Assert.Equal(1100.25m, await database.ScalarAsync<decimal>("SELECT price_usd FROM price_history WHERE source = 'csv' AND observed_at = '2017-03-02Z'"));
    }

    [Fact]
    public async Task Two_replicas_running_upkeep_at_once_drop_each_month_once_and_fail_nowhere()
    {
        await HistorySeed.AddPointsAsync(database, "bitcoin", [.. Enumerable.Range(0, 12).Select(m => At(2025, 1, 15).AddMonths(m)), At(2026, 12, 1)]);
        await HistorySeed.RollUpAsync(database);
        var options = new HistoryOptions { RawRetention = "100.00:00:00", PartitionsAhead = 4 };
        await using var otherReplica = NpgsqlDataSource.Create(database.ConnectionString);

        var outcomes = await Task.WhenAll(Upkeep(options).RunAsync(CancellationToken.None),
            new PartitionUpkeep(otherReplica, Microsoft.Extensions.Options.Options.Create(options), new FixedClock(Now), NullLogger<PartitionUpkeep>.Instance).RunAsync(CancellationToken.None));

        var dropped = outcomes.SelectMany(o => o.Dropped).Select(p => p.Name).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 12).Select(m => $"price_points_2025_{m:00}"), dropped);
        Assert.Equal(4, outcomes.Sum(o => o.Created)); // 2027-01 to 2027-04, each by one replica; December was written to
        Assert.Equal(12, await database.ScalarAsync<long>("SELECT count(DISTINCT target) FROM audit_events WHERE action = 'history.partition_drop'"));
        Assert.Equal(12, await database.ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE action = 'history.partition_drop'"));
        Assert.Equal(["price_points_2026_12", "price_points_2027_01", "price_points_2027_02", "price_points_2027_03", "price_points_2027_04"],
            await HistorySeed.AttachedPartitionsAsync(database));
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM price_points"));
    }

    [Fact]
    public async Task A_detach_cut_short_is_finished_and_dropped_by_the_next_upkeep()
    {
        await HistorySeed.AddPointsAsync(database, "bitcoin", At(2026, 1, 10), At(2026, 12, 1));
        await HistorySeed.RollUpAsync(database);
        // A reader whose transaction started before the detach: the detach's second phase waits for it, and is cancelled there.
        await using var reader = await _dataSource.OpenConnectionAsync();
        await using var reading = await reader.BeginTransactionAsync();
        await using (var read = new NpgsqlCommand("SELECT count(*) FROM price_points", reader, reading))
        {
            await read.ExecuteScalarAsync();
        }

        await using (var detach = _dataSource.CreateCommand("ALTER TABLE price_points DETACH PARTITION price_points_2026_01 CONCURRENTLY"))
        {
            using var cutShort = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => detach.ExecuteNonQueryAsync(cutShort.Token));
        }

        await reading.CommitAsync();
        Assert.True(await database.ScalarAsync<bool>("SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = 'price_points_2026_01'::regclass"));

        var outcome = await Upkeep(new HistoryOptions { RawRetention = "100" }).RunAsync(CancellationToken.None);

        Assert.Equal(["price_points_2026_01"], outcome.Dropped.Select(p => p.Name));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname = 'price_points_2026_01'"));
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM price_points"));
    }

    [Theory]
    [InlineData("History:RawRetention", "ninety days", "History:RawRetention must be unset (keep everything), whole days (e.g. 400) or a duration")]
    [InlineData("History:RawRetention", "06:00:00", "History:RawRetention must be unset (keep everything), whole days (e.g. 400) or a duration")]
    [InlineData("History:RawRetention", "-5", "History:RawRetention must be unset")]
    [InlineData("History:PartitionsAhead", "-1", "History:PartitionsAhead must be 0 to 24 months")]
    [InlineData("History:CompactAfter", "12:00:00", "History:CompactAfter must be unset (compact nothing), whole days (e.g. 60) or a duration")]
    [InlineData("History:CompactAfter", "two months", "History:CompactAfter must be unset")]
    public async Task A_bad_history_setting_is_refused_naming_the_key(string key, string value, string message)
    {
        await using var host = IngestionHost.Create(database.ConnectionString, upstream: null, settings: new Dictionary<string, string?> { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<HistoryOptions>>().Value);

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("400", 400.0)]
    [InlineData("30.12:00:00", 30.5)]
    [InlineData("", null)]
    public void Raw_retention_reads_whole_days_or_a_duration(string value, double? days) =>
        Assert.Equal(days, new HistoryOptions { RawRetention = value }.RawRetentionPeriod?.TotalDays);

    private PartitionUpkeep Upkeep(HistoryOptions options) =>
        new(_dataSource, Microsoft.Extensions.Options.Options.Create(options), new FixedClock(Now), NullLogger<PartitionUpkeep>.Instance);

    private static DateTimeOffset At(int year, int month, int day, int hour = 0) => new(year, month, day, hour, 0, 0, TimeSpan.Zero);

    private Task<long> PointsSinceAsync(DateTimeOffset since) =>
        database.ScalarAsync<long>($"SELECT count(*) FROM price_points WHERE observed_at >= '{since:O}'");

    /// <summary>Every rollup row, as text in key order: retention must leave them exactly as they are.</summary>
    private Task<string> RollupsAsync() => database.ScalarAsync<string>("""
        SELECT coalesce(string_agg(r.row, ';' ORDER BY r.row), '')
          FROM (SELECT '1h ' || h::text AS row FROM price_rollups_1h h UNION ALL SELECT '1d ' || d::text FROM price_rollups_1d d) AS r
        """);
}
