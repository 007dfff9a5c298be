using Kasparro.Data;
using Kasparro.Ingestion.History;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kasparro.Ingestion.Tests.History;

/// <summary>
/// The upkeep's rebuild of closed months' keys against a real PostgreSQL, at a fixed now (2026-12-05 12:00 UTC): October
/// and this December written as the 10-minute runs write (every series' next point, time after time), which leaves both
/// keys loose; only the ended month's is rebuilt, packed, with every point kept and the key still the partition's key.
/// </summary>
public sealed class ClosedMonthKeysTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private const int Series = 300;

    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await HistorySeed.ClearAsync(database);
        await database.ExecuteAsync($"""
            INSERT INTO {HistoryStorage.SeriesTable} (source, source_id, asset_id)
            SELECT 'coingecko', 'coin-' || n, 'coin-' || n FROM generate_series(1, {Series}) n;
            SELECT {HistoryStorage.EnsurePartitionsFunction}(ARRAY[timestamptz '2026-10-01', timestamptz '2026-12-01']);
            """);
        await WriteTimeMajorAsync(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), steps: 31 * 24, TimeSpan.FromHours(1));
        await WriteTimeMajorAsync(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), steps: 4 * 144, TimeSpan.FromMinutes(10));
        await database.ExecuteAsync($"ANALYZE {HistoryStorage.PointsTable}");
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await HistorySeed.ClearAsync(database);
    }

    [Fact]
    public async Task Only_the_ended_month_s_loose_key_is_rebuilt_packed_and_every_point_stays()
    {
        var october = await KeyAsync("price_points_2026_10");
        var december = await KeyAsync("price_points_2026_12");
        // What the test arranges: both keys as loose as the runs leave them.
        Assert.True(ClosedMonthKeys.IsLoose(Series * 31 * 24, october.Bytes), $"October's key is {october.Bytes} bytes");
        Assert.True(ClosedMonthKeys.IsLoose(Series * 4 * 144, december.Bytes), $"December's key is {december.Bytes} bytes");
        var digestBefore = await DigestAsync();

        var outcome = await Upkeep().RunAsync(CancellationToken.None);

        var repacked = Assert.Single(outcome.Repacked);
        Assert.Equal("price_points_2026_10", repacked.Partition);
        Assert.Equal(october.Bytes, repacked.BytesBefore);
        Assert.InRange(repacked.BytesAfter, 1, ClosedMonthKeys.PackedBytes(Series * 31 * 24) * 1.02);
        var octoberAfter = await KeyAsync("price_points_2026_10");
        Assert.Equal(repacked.BytesAfter, octoberAfter.Bytes);
        Assert.True(octoberAfter.IsPrimaryValidAndAttached);
        Assert.Equal(december, await KeyAsync("price_points_2026_12"));
        Assert.Equal(digestBefore, await DigestAsync());
        // Still the key: a point written again is refused, and found through it.
        await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync($"""
            INSERT INTO {HistoryStorage.PointsTable} ({HistoryStorage.PointColumns})
            SELECT '2026-10-15 12:00Z', id, false, 1, NULL, NULL FROM {HistoryStorage.SeriesTable} WHERE source_id = 'coin-7'
            """));
        Assert.Equal(31 * 24, await database.ScalarAsync<long>(
            $"SELECT count(*) FROM price_points_2026_10 WHERE series_id = (SELECT id FROM {HistoryStorage.SeriesTable} WHERE source_id = 'coin-7')"));

        var again = await Upkeep().RunAsync(CancellationToken.None);

        Assert.Empty(again.Repacked);
    }

    [Fact]
    public async Task A_rebuild_cut_short_is_cleared_before_the_next()
    {
        // What a REINDEX CONCURRENTLY stopped half way leaves: an invalid "_ccnew" index beside the key. A concurrent
        // build that fails leaves one the same way (the prices repeat across series, so this unique one fails).
        await Assert.ThrowsAsync<PostgresException>(() =>
            database.ExecuteAsync("CREATE UNIQUE INDEX CONCURRENTLY price_points_2026_10_pkey_ccnew ON price_points_2026_10 (price_usd)"));
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname = 'price_points_2026_10_pkey_ccnew'"));

        var outcome = await Upkeep().RunAsync(CancellationToken.None);

        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname ~ '^price_points_2026_10_.*ccnew'"));
        Assert.Equal("price_points_2026_10", Assert.Single(outcome.Repacked).Partition);
    }

    /// <summary>
    /// <paramref name="steps"/> points of every series from <paramref name="from"/>, one statement per step in time
    /// order, each step's series in key order: the order the runs write them in.
    /// </summary>
    private Task WriteTimeMajorAsync(DateTimeOffset from, int steps, TimeSpan every) => database.ExecuteAsync($"""
        INSERT INTO {HistoryStorage.PointsTable} ({HistoryStorage.PointColumns})
        SELECT timestamptz '{from:O}' + k * interval '{every.TotalMinutes} minutes', s.id, false, 100.5 + k, NULL, NULL
          FROM generate_series(0, {steps - 1}) k CROSS JOIN {HistoryStorage.SeriesTable} s
         ORDER BY k, s.id
        """);

    private async Task<(long Bytes, bool IsPrimaryValidAndAttached)> KeyAsync(string partition)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("""
            SELECT pg_relation_size(i.indexrelid), i.indisprimary AND i.indisvalid
                   AND EXISTS (SELECT FROM pg_inherits h WHERE h.inhrelid = i.indexrelid AND h.inhparent = 'pk_price_points'::regclass)
              FROM pg_index i WHERE i.indrelid = $1::regclass AND i.indisprimary
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = partition });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"{partition} has no key");
        return (reader.GetInt64(0), reader.GetBoolean(1));
    }

    private Task<string> DigestAsync() => database.ScalarAsync<string>($"""
        SELECT count(*) || ' ' || md5(string_agg(concat_ws(' ', series_id, observed_at, price_usd), ';' ORDER BY series_id, observed_at))
          FROM {HistoryStorage.PointsTable}
        """);

    private PartitionUpkeep Upkeep() =>
        new(_dataSource, Microsoft.Extensions.Options.Options.Create(new HistoryOptions()), new FixedClock(Now), NullLogger<PartitionUpkeep>.Instance);
}
