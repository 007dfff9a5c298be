using Kasparro.Data;
using Kasparro.Ingestion.Rollups;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Rollups;

/// <summary>
/// An emptied rollup queue gives back the index pages a large load left (VACUUM keeps them); a queue holding entries, or
/// one whose index is small, is left as it is, entries and all.
/// </summary>
public sealed class RollupQueueReleaseTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const string IndexBytes = $"SELECT pg_indexes_size('{HistoryRollups.QueueTable}')";

    // What a large load leaves: an entry per batch and day, all taken by the rollup step, the table vacuumed.
    private const string QueueAndEmpty = $"""
        INSERT INTO {HistoryRollups.QueueTable} (series_id, day)
        SELECT n % 500, timestamptz '2026-01-01Z' + (n / 500) * interval '1 day' FROM generate_series(1, 60000) n;
        DELETE FROM {HistoryRollups.QueueTable};
        """;

    private NpgsqlDataSource _dataSource = null!;
    private RollupRefresher _refresher = null!;

    public async Task InitializeAsync()
    {
        _dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        _refresher = new RollupRefresher(_dataSource, Microsoft.Extensions.Options.Options.Create(new RollupOptions()), NullLogger<RollupRefresher>.Instance);
        await database.ResetAsync();
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    [Fact]
    public async Task An_emptied_queue_with_a_large_index_gives_its_pages_back()
    {
        await database.ExecuteAsync(QueueAndEmpty);
        await database.ExecuteAsync($"VACUUM {HistoryRollups.QueueTable}");
        Assert.True(await database.ScalarAsync<long>(IndexBytes) > RollupRefresher.QueueIndexBytesToRelease);

        Assert.True(await _refresher.ReleaseEmptiedQueueAsync(CancellationToken.None));

        Assert.True(await database.ScalarAsync<long>(IndexBytes) <= 2 * 8192, "the emptied index kept its pages");
        // Writes queue as before, their entries numbered after the old ones.
        await HistorySeed.AddPointsAsync(database, "bitcoin", new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.True(await database.ScalarAsync<long>($"SELECT min(id) FROM {HistoryRollups.QueueTable}") > 60000);
    }

    [Fact]
    public async Task A_queue_holding_entries_keeps_them()
    {
        await database.ExecuteAsync(QueueAndEmpty);
        await HistorySeed.AddPointsAsync(database, "bitcoin", new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var bytes = await database.ScalarAsync<long>(IndexBytes);

        Assert.False(await _refresher.ReleaseEmptiedQueueAsync(CancellationToken.None));

        Assert.Equal(1, await database.ScalarAsync<long>($"SELECT count(*) FROM {HistoryRollups.QueueTable}"));
        Assert.Equal(bytes, await database.ScalarAsync<long>(IndexBytes));
    }
}
