using System.Globalization;
using Kasparro.Data;
using Kasparro.Ingestion.History;
using Kasparro.Ingestion.Rollups;
using Kasparro.Ingestion.Tests.Rollups;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kasparro.Ingestion.Tests.History;

/// <summary>
/// The hourly rollups of cold months move into their encoded form (<see cref="HistoryRollups.HourlyEncoded"/>) with the
/// history compaction (fixed now 2026-12-05 12:00 UTC, <c>History:CompactAfter</c> 60 days: months before October) and
/// read back through <c>price_rollups</c> exactly as the day rows gave them, digit for digit; a late point into an encoded
/// month sends the month back to day rows, its day is rolled up again exactly, and the next upkeep encodes it again.
/// </summary>
public sealed class HourlyRollupEncodingTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The hourly rollups of every series starting in [$1, $2), as readers get them, every value as its text.</summary>
    private const string Hours = """
        SELECT coalesce(string_agg(concat_ws(' ', series_id, bucket, points, first_at, last_at, open, high, low, close, market_cap_usd, volume_24h_usd),
                                   E'\n' ORDER BY series_id, bucket), '')
          FROM price_rollups(interval '1 hour', array(SELECT id FROM price_series), $1::timestamptz, $2::timestamptz)
        """;

    // A range that cuts through July and August, at hours.
    private const string CutFrom = "2026-07-10 05:00Z";
    private const string CutTo = "2026-08-03 13:00Z";

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
    public async Task Encoded_months_read_back_exactly_what_the_day_rows_gave()
    {
        await WriteRandomPointsAsync(new Random(20261206));
        // One point past 62 bits in August's market caps of bitcoin: that column of that month keeps its numbers.
        await database.ExecuteAsync("""
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            VALUES ('coingecko', 'bitcoin', '2026-08-03 12:34:56.789012+00', 'bitcoin', 1.5, 1234567890123456789012345678, NULL, false);
            """);
        await _refresher.RefreshQueuedAsync(CancellationToken.None);
        var all = await HoursAsync("-infinity", "infinity");
        var cut = await HoursAsync(CutFrom, CutTo);

        await Upkeep().RunAsync(CancellationToken.None);

        Assert.Equal(all, await HoursAsync("-infinity", "infinity"));
        Assert.Equal(cut, await HoursAsync(CutFrom, CutTo));
        // July, August and September of three series encoded; only December's days are day rows still.
        Assert.Equal("07 3|08 3|09 3", await database.ScalarAsync<string>(
            "SELECT string_agg(concat_ws(' ', to_char(month, 'MM'), n), '|' ORDER BY month) FROM (SELECT month, count(*) AS n FROM price_rollups_1h_encoded GROUP BY 1) m"));
        Assert.Equal("2026-12", await database.ScalarAsync<string>("SELECT string_agg(DISTINCT to_char(day, 'YYYY-MM'), ' ') FROM price_rollups_1h"));
        Assert.Equal("2026-08-01 bitcoin numbers", await database.ScalarAsync<string>("""
            SELECT string_agg(concat_ws(' ', e.month, s.source_id, 'numbers'), '|')
              FROM price_rollups_1h_encoded e JOIN price_series s ON s.id = e.series_id WHERE e.market_cap_codes IS NULL
            """));
        Assert.Equal(0, await database.ScalarAsync<long>("""
            SELECT count(*) FROM price_rollups_1h_encoded
             WHERE open_codes IS NULL OR high_codes IS NULL OR low_codes IS NULL OR close_codes IS NULL OR volume_codes IS NULL
            """));
        await RollupRecomputation.AssertExactAsync(database.ConnectionString, "after the encoding");

        // A second upkeep finds nothing to encode and changes nothing.
        await Upkeep().RunAsync(CancellationToken.None);
        Assert.Equal(all, await HoursAsync("-infinity", "infinity"));
    }

    [Fact]
    public async Task A_late_point_into_an_encoded_month_rolls_its_day_up_again_exactly_and_the_next_upkeep_encodes_it_again()
    {
        await WriteRandomPointsAsync(new Random(7));
        await _refresher.RefreshQueuedAsync(CancellationToken.None);
        await Upkeep().RunAsync(CancellationToken.None);
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM price_rollups_1h WHERE day < '2026-10-01'"));

        // A late point (as every writer writes: the day prepared, then the row) in a new hour of a compacted July day.
        await database.ExecuteAsync("""
            SELECT prepare_price_points_write(ARRAY[(SELECT id FROM price_series WHERE source_id = 'ethereum')], ARRAY['2026-07-09 23:59:59.999999Z'::timestamptz]);
            INSERT INTO price_points (observed_at, series_id, is_backfill, price_usd, market_cap_usd, volume_24h_usd)
            VALUES ('2026-07-09 23:59:59.999999Z', (SELECT id FROM price_series WHERE source_id = 'ethereum'), true, 123456.78900, NULL, 0.10);
            """);
        Assert.Equal(1, await _refresher.RefreshQueuedAsync(CancellationToken.None));

        // Ethereum's July is day rows again (its day rewritten with the new hour), the other months and series stay encoded.
        Assert.Equal(0, await database.ScalarAsync<long>("""
            SELECT count(*) FROM price_rollups_1h_encoded e JOIN price_series s ON s.id = e.series_id WHERE s.source_id = 'ethereum' AND e.month = '2026-07-01'
            """));
        Assert.Equal(8, await database.ScalarAsync<long>("SELECT count(*) FROM price_rollups_1h_encoded"));
        Assert.Equal("123456.78900 0.10", await database.ScalarAsync<string>("""
            SELECT concat_ws(' ', close, volume_24h_usd)
              FROM price_rollups(interval '1 hour', array(SELECT id FROM price_series WHERE source_id = 'ethereum'), '2026-07-09 23:00Z', '2026-07-10Z')
            """));
        await RollupRecomputation.AssertExactAsync(database.ConnectionString, "after the late point");
        var rerolled = await HoursAsync("-infinity", "infinity");

        await Upkeep().RunAsync(CancellationToken.None);

        Assert.Equal(9, await database.ScalarAsync<long>("SELECT count(*) FROM price_rollups_1h_encoded"));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM price_rollups_1h WHERE day < '2026-10-01'"));
        Assert.Equal(rerolled, await HoursAsync("-infinity", "infinity"));
        await RollupRecomputation.AssertExactAsync(database.ConnectionString, "after the second encoding");
    }

    /// <summary>
    /// Three series, a point every 15 to 75 minutes from July to September and on three December days, values of scales 0-16
    /// (most with up to 8 decimals), either sign, trailing zeros, nulls in market cap and volume.
    /// </summary>
    private async Task WriteRandomPointsAsync(Random random)
    {
        var rows = new List<string>();
        // Up to 8 integer digits and 8 decimals, or (dust) 1 digit and 16 decimals: all fit the integer codes.
        foreach (var (series, digits, decimals) in new[] { ("bitcoin", 8, 8), ("ethereum", 8, 8), ("dust", 1, 16) })
        {
            foreach (var (start, end) in new[] { (new DateTime(2026, 7, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 9, 30, 23, 0, 0, DateTimeKind.Utc)),
                                                 (new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 12, 4, 0, 0, 0, DateTimeKind.Utc)) })
            {
                for (var at = start; at < end; at = at.AddMinutes(random.Next(15, 75)).AddTicks(random.Next(0, 1_000_000) * 10))
                {
                    rows.Add(string.Create(CultureInfo.InvariantCulture,
                        $"('coingecko', '{series}', '{at:yyyy-MM-dd HH:mm:ss.ffffff}+00', '{series}', {Value(random, digits, decimals, nullable: false)}, {Value(random, digits, decimals)}, {Value(random, digits, decimals)}, false)"));
                }
            }
        }

        foreach (var chunk in rows.Chunk(2000))
        {
            await database.ExecuteAsync($"""
                INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
                VALUES {string.Join(",\n", chunk)};
                """);
        }
    }

    /// <summary>
    /// A random numeric literal: NULL (when <paramref name="nullable"/>), 0, or up to <paramref name="digits"/> integer digits
    /// and up to <paramref name="decimals"/> decimals (trailing zeros kept), either sign. Zero is always written 0: of two
    /// equal highs (0 and 0.0) a bucket may keep either, and the recomputation compares digits.
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
        return integer == 0 && fraction.Trim('.', '0').Length == 0 ? "0" : $"{(random.Next(8) == 0 ? "-" : "")}{integer}{fraction}";
    }

    private async Task<string> HoursAsync(string from, string to)
    {
        await using var command = _dataSource.CreateCommand(Hours);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = to });
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private PartitionUpkeep Upkeep() =>
        new(_dataSource, Microsoft.Extensions.Options.Options.Create(new HistoryOptions { CompactAfter = "60" }), new FixedClock(Now), NullLogger<PartitionUpkeep>.Instance);
}
