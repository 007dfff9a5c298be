using Kasparro.Data;
using Kasparro.Ingestion.History;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kasparro.Ingestion.Tests.History;

/// <summary>
/// Cold compaction against a real PostgreSQL at a fixed now (2026-12-05 12:00 UTC) with <c>History:CompactAfter</c> of
/// 60 days: only months that ended before 2026-10-06 move into chunks, bit-exact over hostile values; the emptied
/// partitions give their space back; a writer inside a month holds its compaction off; retention drops compacted months
/// as whole partitions.
/// </summary>
public sealed class HistoryCompactionTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Every observation as text (so 1.50 and 1.5 differ), in key order.</summary>
    private const string Stored = """
        SELECT string_agg(concat_ws(' ', source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill), E'\n'
                          ORDER BY source, source_id, observed_at)
          FROM price_history
        """;

    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await database.ResetAsync();
        await HistorySeed.ClearAsync(database);
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    [Fact]
    public async Task Months_past_the_age_are_compacted_bit_exact_and_the_rest_stays_rows()
    {
        // 1e-18, 28-digit numbers, the largest decimal, nulls, 0, trailing zeros, microseconds, month and year edges, 2017.
        await database.ExecuteAsync("""
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            VALUES ('coingecko', 'bitcoin', '2017-03-02 00:00:00+00', 'bitcoin', 1100.25, NULL, NULL, true),
                   ('coingecko', 'bitcoin', '2026-06-30 23:59:59.999999+00', 'bitcoin', 0.000000000000000001, 0, NULL, false),
                   ('coingecko', 'bitcoin', '2026-07-01 00:00:00+00', 'bitcoin', 79228162514264337593543950335, 1234567890123456.789012345678, 0, false),
                   ('coingecko', 'bitcoin', '2026-07-01 00:00:00.000001+00', 'bitcoin', 1.500, NULL, 1234567890123456789012345678, false),
                   ('coingecko', 'bitcoin', '2026-07-15 10:00:00+00', 'bitcoin', 0, 0.000000000000000001, 7, true),
                   ('coinpaprika', 'btc-bitcoin', '2026-07-15 10:00:00+00', 'bitcoin', 9999999999999999.999999999999, NULL, 1.0, false),
                   ('coinpaprika', 'btc-bitcoin', '2026-09-30 23:59:59.999999+00', 'bitcoin', 42, 42, 42, false),
                   ('coinpaprika', 'btc-bitcoin', '2026-10-01 00:00:00+00', 'bitcoin', 43, 43, 43, false),
                   ('coinpaprika', 'btc-bitcoin', '2026-12-01 00:00:00+00', 'bitcoin', 44, 44, 44, false);
            """);
        var before = await database.ScalarAsync<string>(Stored);
        var julyBytes = await database.ScalarAsync<long>("SELECT pg_total_relation_size('price_points_2026_07')");

        var outcome = await Upkeep(new HistoryOptions { CompactAfter = "60" }).RunAsync(CancellationToken.None);

        Assert.Equal(["price_points_2017_03", "price_points_2026_06", "price_points_2026_07", "price_points_2026_09"], outcome.Compacted.Select(m => m.Partition));
        Assert.Equal(7, outcome.Compacted.Sum(m => m.Points));
        Assert.Equal(6, outcome.Compacted.Sum(m => m.Chunks)); // 2017-03-02, 06-30, 07-01 and 07-15 of bitcoin; 07-15 and 09-30 of btc-bitcoin
        Assert.Equal(before, await database.ScalarAsync<string>(Stored));
        // October ends after the horizon (2026-10-06) and December is current: both stay rows.
        Assert.Equal("2026-10-01 2026-12-01", await database.ScalarAsync<string>(
            "SELECT string_agg(to_char(observed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ' ' ORDER BY observed_at) FROM price_points"));
        Assert.Equal(7, await database.ScalarAsync<long>("SELECT sum(points) FROM price_chunks"));
        Assert.Equal(2, await database.ScalarAsync<int>("SELECT points FROM price_chunks WHERE day = '2026-07-01'"));
        Assert.True(await database.ScalarAsync<long>("SELECT pg_total_relation_size('price_points_2026_07')") < julyBytes, "the emptied partition kept its pages");
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT pg_relation_size('price_points_2026_07')"));

        // The same answer for ranges that cut through compacted days and reach into rows.
        Assert.Equal(await database.ScalarAsync<string>("""
                SELECT string_agg(concat_ws(' ', observed_at, price_usd, market_cap_usd, volume_24h_usd, is_backfill), ';' ORDER BY observed_at)
                  FROM price_history WHERE source = 'coingecko' AND observed_at >= '2026-06-30 23:59:59.999999+00' AND observed_at < '2026-07-01 00:00:00.000001+00'
                """),
            await database.ScalarAsync<string>("""
                SELECT string_agg(concat_ws(' ', observed_at, price_usd, market_cap_usd, volume_24h_usd, is_backfill), ';' ORDER BY observed_at)
                  FROM price_observations(array(SELECT id FROM price_series WHERE source = 'coingecko'), '2026-06-30 23:59:59.999999+00', '2026-07-01 00:00:00.000001+00')
                """));
        Assert.Equal(2, await database.ScalarAsync<long>("""
            SELECT count(*) FROM price_observations(array(SELECT id FROM price_series), '2026-06-30 23:59:59.999999+00', '2026-07-01 00:00:00.000001+00')
            """));

        var again = await Upkeep(new HistoryOptions { CompactAfter = "60" }).RunAsync(CancellationToken.None);
        Assert.Empty(again.Compacted);
        Assert.Equal(before, await database.ScalarAsync<string>(Stored));
    }

    [Fact]
    public async Task A_column_is_kept_as_integer_codes_unless_a_value_does_not_fit_them()
    {
        await database.ExecuteAsync("""
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            VALUES ('coingecko', 'bitcoin', '2026-07-01 00:00:00+00', 'bitcoin', 64000.5, 1260000000000, 35000000000.25, false),
                   ('coingecko', 'bitcoin', '2026-07-01 00:10:00+00', 'bitcoin', 64010.50, NULL, 35000000100, false),
                   ('coingecko', 'bitcoin', '2026-07-02 00:00:00+00', 'bitcoin', 0.000000000000000001, 1234567890123456789012345678, 0, false),
                   ('coingecko', 'bitcoin', '2026-07-02 00:10:00+00', 'bitcoin', 65000, 1, NULL, true);
            """);
        var before = await database.ScalarAsync<string>(Stored);

        await Upkeep(new HistoryOptions { CompactAfter = "60" }).RunAsync(CancellationToken.None);

        Assert.Equal(before, await database.ScalarAsync<string>(Stored));
        // 07-01 fits: every column as codes, the times as microsecond deltas from the day's start (packed as the values
        // are). 07-02: 1e-18 beside 65000 needs 18 decimals for 65000 too (past 62 bits), and a 28-digit market cap: those
        // two keep their numbers.
        Assert.Equal("2026-07-01 codes codes codes {0,600000000}|2026-07-02 numbers numbers codes {0,600000000}", await database.ScalarAsync<string>("""
            SELECT string_agg(concat_ws(' ', day, CASE WHEN price_codes IS NULL THEN 'numbers' ELSE 'codes' END,
                                             CASE WHEN market_cap_codes IS NULL THEN 'numbers' ELSE 'codes' END,
                                             CASE WHEN volume_codes IS NULL THEN 'numbers' ELSE 'codes' END,
                                             CASE WHEN time_deltas = price_chunk_pack('{0,600000000}') THEN '{0,600000000}' ELSE time_deltas::text END),
                              '|' ORDER BY day)
              FROM price_chunks
            """));
    }

    [Fact]
    public async Task Random_values_of_every_scale_and_sign_read_back_exactly_after_compaction()
    {
        // 3 series x 20 days x up to 40 irregular points: scales 0-16, signs, trailing zeros, nulls, microseconds.
        var random = new Random(20261206);
        var rows = new List<string>();
        foreach (var series in new[] { "bitcoin", "ethereum", "dust" })
        {
            for (var day = 0; day < 20; day++)
            {
                var at = new DateTime(2026, 7, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(day);
                // Most days fit the integer codes (up to 8 + 8 digits); every fifth or so is as wide as decimal allows.
                var (digits, decimals) = random.Next(5) == 0 ? (12, 16) : (8, 8);
                for (var point = 0; point < 40; point++)
                {
                    at = at.AddTicks(random.NextInt64(10, TimeSpan.TicksPerHour / 2) / 10 * 10);
                    if (at.Day != new DateTime(2026, 7, 1).AddDays(day).Day)
                    {
                        break;
                    }

                    rows.Add($"('coingecko', '{series}', '{at:yyyy-MM-dd HH:mm:ss.ffffff}+00', '{series}', {Value(random, digits, decimals, nullable: false)}, {Value(random, digits, decimals)}, {Value(random, digits, decimals)}, {(random.Next(4) == 0 ? "true" : "false")})");
                }
            }
        }

        await database.ExecuteAsync($"""
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            VALUES {string.Join(",\n", rows)};
            """);
        var before = await database.ScalarAsync<string>(Stored);

        await Upkeep(new HistoryOptions { CompactAfter = "60" }).RunAsync(CancellationToken.None);

        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM price_points"));
        Assert.Equal(before, await database.ScalarAsync<string>(Stored));
        Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM price_chunks WHERE price_codes IS NOT NULL") > 20, "few days were stored as codes");
        Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM price_chunks WHERE price_codes IS NULL") > 0, "no day kept its numbers");
    }

    /// <summary>
    /// A random numeric literal: NULL (when <paramref name="nullable"/>), 0, or up to <paramref name="digits"/> integer digits
    /// and up to <paramref name="decimals"/> decimals (trailing zeros kept), either sign.
    /// </summary>
    private static string Value(Random random, int digits, int decimals, bool nullable = true)
    {
        if (random.Next(10) == 0)
        {
            return nullable && random.Next(2) == 0 ? "NULL" : "0";
        }

        var integer = random.NextInt64(0, (long)Math.Pow(10, random.Next(1, digits + 1)));
        var scale = random.Next(0, decimals + 1);
        var fraction = scale == 0 ? "" : "." + string.Concat(Enumerable.Range(0, scale).Select(_ => (char)('0' + random.Next(10))));
        return $"{(random.Next(8) == 0 ? "-" : "")}{integer}{fraction}";
    }

    [Fact]
    public async Task A_writer_inside_a_month_holds_its_compaction_off_and_its_point_is_compacted_once()
    {
        await HistorySeed.AddPointsAsync(database, "bitcoin", At(2026, 8, 1), At(2026, 8, 2));
        await using var writer = await _dataSource.OpenConnectionAsync();
        await using var writing = await writer.BeginTransactionAsync();
        await using (var write = new NpgsqlCommand("""
            SELECT prepare_price_points_write(ARRAY[1], ARRAY['2026-08-03Z'::timestamptz]);
            INSERT INTO price_points (observed_at, series_id, is_backfill, price_usd) VALUES ('2026-08-03Z', 1, false, 3);
            """, writer, writing))
        {
            await write.ExecuteNonQueryAsync();
        }

        var compaction = Upkeep(new HistoryOptions { CompactAfter = "60" }).RunAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.False(compaction.IsCompleted, "the compaction went ahead under an open write into its month");
        Assert.Equal(2, await database.ScalarAsync<long>("SELECT count(*) FROM price_points_2026_08"));

        await writing.CommitAsync();
        var outcome = await compaction.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(3, outcome.Compacted.Sum(m => m.Points));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM price_points"));
        Assert.Equal(3, await database.ScalarAsync<long>("SELECT count(*) FROM price_history"));
        Assert.Equal(3, await database.ScalarAsync<long>("SELECT count(DISTINCT observed_at) FROM price_history"));
    }

    [Fact]
    public async Task Retention_drops_compacted_months_outside_the_window_as_whole_partitions()
    {
        await HistorySeed.AddPointsAsync(database, "bitcoin", At(2026, 5, 10), At(2026, 6, 10), At(2026, 8, 31, 23), At(2026, 9, 1), At(2026, 12, 1));
        await HistorySeed.RollUpAsync(database);
        await Upkeep(new HistoryOptions { CompactAfter = "60" }).RunAsync(CancellationToken.None);
        Assert.Equal(4, await database.ScalarAsync<long>("SELECT sum(points) FROM price_chunks"));

        // The window starts 2026-08-27 12:00: May and June lie wholly before it, August reaches into it.
        var outcome = await Upkeep(new HistoryOptions { CompactAfter = "60", RawRetention = "100" }).RunAsync(CancellationToken.None);

        Assert.Equal(["price_chunks_2026_05", "price_chunks_2026_06", "price_points_2026_05", "price_points_2026_06"], outcome.Dropped.Select(p => p.Name).Order());
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname IN ('price_chunks_2026_05', 'price_chunks_2026_06')"));
        Assert.Equal("2026-08-31 2026-09-01 2026-12-01", await database.ScalarAsync<string>(
            "SELECT string_agg(to_char(observed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ' ' ORDER BY observed_at) FROM price_history"));
        Assert.Equal(2, await database.ScalarAsync<long>(
            "SELECT count(*) FROM audit_events WHERE action = 'history.partition_drop' AND target LIKE 'price_chunks_%'"));
        Assert.Equal(5, await database.ScalarAsync<long>("SELECT count(*) FROM price_rollups_1d"));
    }

    private PartitionUpkeep Upkeep(HistoryOptions options) =>
        new(_dataSource, Microsoft.Extensions.Options.Options.Create(options), new FixedClock(Now), NullLogger<PartitionUpkeep>.Instance);

    private static DateTimeOffset At(int year, int month, int day, int hour = 0) => new(year, month, day, hour, 0, 0, TimeSpan.Zero);
}
