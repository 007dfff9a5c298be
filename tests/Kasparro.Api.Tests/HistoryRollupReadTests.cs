using System.Globalization;
using System.Text.Json;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Npgsql;
using static Kasparro.Testing.ApiSeed;

namespace Kasparro.Api.Tests;

/// <summary>
/// The 1h and 1d history and the candles come from the rollups, with days still queued computed from the raw points:
/// the responses are the same bytes whether nothing, part or all of the history is rolled up, and equal PostgreSQL's
/// own bucketing of the raw points (the definition the endpoints had before the rollups), on hostile values: 1e-18,
/// 28-digit numbers, nulls, trailing zeros, several ids per source, points on and a microsecond beside bucket and month
/// boundaries.
/// </summary>
public sealed class HistoryRollupReadTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const string AssetId = "hostile";

    private static readonly string[] HistoryUrls =
    [
        "/assets/hostile/history?from=2025-01-31T00:00:00Z&to=2025-02-03T00:00:00Z&interval=1h",
        "/assets/hostile/history?from=2025-01-31T00:00:00Z&to=2025-02-03T00:00:00Z&interval=1h&format=columns",
        "/assets/hostile/history?from=2025-01-31T00:00:00Z&to=2025-02-03T00:00:00Z&interval=1h&format=csv",
        "/assets/hostile/history?from=2025-01-31T23:20:00Z&to=2025-02-01T00:10:00Z&interval=1h",
        "/assets/hostile/history?from=2025-01-01T00:00:00Z&to=2025-06-01T00:00:00Z&interval=1d",
        "/assets/hostile/history?from=2025-01-01T00:00:00Z&to=2025-06-01T00:00:00Z&interval=1d&format=csv",
        "/assets/hostile/history?from=2025-01-31T22:00:00Z&to=2025-02-05T00:00:00Z",
        "/assets/hostile/history?from=2025-01-01T00:00:00Z&to=2025-06-01T00:00:00Z&format=columns",
    ];

    private static readonly string[] CandleUrls =
    [
        "/assets/hostile/candles?interval=1h&from=2025-01-31T00:00:00Z&to=2025-02-03T00:00:00Z",
        "/assets/hostile/candles?interval=1h&from=2025-01-31T00:00:00Z&to=2025-02-03T00:00:00Z&format=csv",
        "/assets/hostile/candles?interval=1h&from=2025-01-31T23:20:00Z&to=2025-02-01T00:10:00Z&source=coingecko",
        "/assets/hostile/candles?interval=1d&from=2025-01-01T00:00:00Z&to=2025-06-01T00:00:00Z",
        "/assets/hostile/candles?interval=1d&from=2025-01-01T00:00:00Z&to=2025-06-01T00:00:00Z&format=csv&source=coinpaprika",
    ];

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        await AddAsync(database, new Asset { Id = AssetId, Symbol = "HST", Name = "Hostile", CreatedAt = T0, UpdatedAt = T0 });
        // Two ids of coingecko whose points interleave (the last across both wins a bucket; at the same instant the
        // greater id closes and the smaller opens), one of coinpaprika, and a series of the asset that no mapping names
        // (not part of the answer).
        await database.ExecuteAsync("""
            INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, linked_at)
            VALUES ('coingecko', 'h-a', 'hostile', 'override', 1, true, now()),
                   ('coingecko', 'h-b', 'hostile', 'override', 1, true, now()),
                   ('coinpaprika', 'h-p', 'hostile', 'override', 1, true, now());
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            VALUES ('coingecko', 'h-a', '2025-01-31 23:00:00+00', 'hostile', 0.000000000000000001, NULL, NULL, false),
                   ('coingecko', 'h-b', '2025-01-31 23:30:00+00', 'hostile', 3, 3, 3, false),
                   ('coingecko', 'h-a', '2025-01-31 23:59:59.999999+00', 'hostile', 9999999999999999999999999999, 1234567890123456.789012345678, 0, false),
                   ('coingecko', 'h-a', '2025-02-01 00:00:00+00', 'hostile', 1234567890123456.789012345678, 1.500, NULL, false),
                   ('coingecko', 'h-a', '2025-02-01 00:30:00+00', 'hostile', 0, NULL, 5, false),
                   ('coingecko', 'h-b', '2025-02-01 00:45:00+00', 'hostile', 0.000000000000000001, 7, NULL, false),
                   ('coingecko', 'h-a', '2025-02-01 01:00:00+00', 'hostile', 2.50, 3, 4, false),
                   ('coingecko', 'h-b', '2025-02-02 12:00:00+00', 'hostile', 42, NULL, NULL, true),
                   ('coingecko', 'h-a', '2025-02-02 12:00:00+00', 'hostile', 43, 1, 1, true),
                   ('coingecko', 'h-b', '2025-05-20 00:00:00+00', 'hostile', 7.000, 7, 7, true),
                   ('coinpaprika', 'h-p', '2025-01-31 22:59:59.999999+00', 'hostile', 100, 0.000000000000000001, 0.000000000000000001, false),
                   ('coinpaprika', 'h-p', '2025-02-01 00:00:00.000001+00', 'hostile', 101.000, NULL, 1234567890123456789012345678, false),
                   ('coinpaprika', 'h-p', '2025-02-01 23:59:59.999999+00', 'hostile', 0.000000000000000001, 2, NULL, false),
                   ('coinpaprika', 'h-p', '2025-05-19 23:59:59.999999+00', 'hostile', 5, NULL, 5, true),
                   ('csv', 'h-x', '2025-02-01 00:10:00+00', 'hostile', 55, 55, 55, false);
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Responses_are_the_same_bytes_before_during_and_after_the_rollup_and_equal_the_raw_bucketing()
    {
        Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM price_rollup_queue") > 0, "the writes queued their days");
        var pending = await ResponsesAsync();
        await AssertEqualToRawAsync();

        // The days before February rolled up, the rest still queued.
        await RollUpAsync("q.day < '2025-02-01Z'");
        Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM price_rollup_queue") > 0);
        Assert.Equal(pending, await ResponsesAsync());

        await RollUpAsync("true");
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM price_rollup_queue"));
        Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM price_rollups('1 hour', array(SELECT id FROM price_series), '-infinity', 'infinity')") >= 10);
        Assert.Equal(pending, await ResponsesAsync());
        await AssertEqualToRawAsync();
    }

    [Fact]
    public async Task A_point_written_after_the_rollup_shows_before_its_day_is_rolled_up_again()
    {
        await RollUpAsync("true");
        // Later than every point of its hour and day: the stale rollup rows of that day must not be served.
        await database.ExecuteAsync("""
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            VALUES ('coingecko', 'h-b', '2025-02-01 00:59:59.999999+00', 'hostile', 0.123456789012345678901234567, NULL, 9, false),
                   ('coinpaprika', 'h-p', '2025-02-01 12:00:00+00', 'hostile', 1e-18, 1, 1, false)
            """);
        // The queue holds an entry per write: the same day queued twice must not count its points twice.
        await database.ExecuteAsync("INSERT INTO price_rollup_queue (series_id, day) SELECT series_id, day FROM price_rollup_queue");
        Assert.Equal(2, await database.ScalarAsync<long>("SELECT count(DISTINCT (series_id, day)) FROM price_rollup_queue"));

        var queued = await ResponsesAsync();
        await AssertEqualToRawAsync();
        Assert.Contains("0.123456789012345678901234567", queued[HistoryUrls[0]]);

        await RollUpAsync("true");
        Assert.Equal(queued, await ResponsesAsync());
    }

    [Fact]
    public async Task Responses_are_the_same_bytes_once_every_month_is_compacted_and_after_a_write_into_a_compacted_day()
    {
        await RollUpAsync("true");
        string[] rawUrls =
        [
            "/assets/hostile/history?from=2025-01-31T22:00:00Z&to=2025-02-02T00:00:00Z&interval=raw",
            "/assets/hostile/history?from=2025-01-31T22:00:00Z&to=2025-02-02T00:00:00Z&interval=raw&format=csv",
            "/assets/hostile/history?from=2025-01-31T22:59:59.999999Z&to=2025-02-01T00:00:00.000001Z&interval=raw&format=columns",
            "/assets/hostile/history?from=2025-01-31T22:00:00Z&to=2025-02-03T00:00:00Z&interval=5m",
            "/assets/hostile/gaps?from=2025-01-31T00:00:00Z&to=2025-02-03T00:00:00Z",
        ];
        const string Stored = """
            SELECT string_agg(concat_ws(' ', source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill), E'\n'
                              ORDER BY source, source_id, observed_at)
              FROM price_history
            """;
        var before = await ResponsesAsync(rawUrls);
        var storedBefore = await database.ScalarAsync<string>(Stored);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var compactor = new Kasparro.Ingestion.History.HistoryCompactor(dataSource, new FixedClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        var compacted = await compactor.CompactAsync(TimeSpan.FromDays(1), CancellationToken.None);

        Assert.Equal(15, compacted.Sum(m => m.Points));
        Assert.Equal(["price_points_2025_01", "price_points_2025_02", "price_points_2025_05"], compacted.Select(m => m.Partition));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM price_points"));
        Assert.Equal(15, await database.ScalarAsync<long>("SELECT sum(points) FROM price_chunks"));
        Assert.Equal(storedBefore, await database.ScalarAsync<string>(Stored));
        Assert.Equal(before, await ResponsesAsync(rawUrls));
        await AssertEqualToRawAsync();

        // A write into a compacted day: that day goes back to rows, the stored point is refused as before, the new one shows.
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync("""
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            VALUES ('coingecko', 'h-a', '2025-02-01 00:30:00+00', 'hostile', 0, NULL, 5, false)
            """));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
        await database.ExecuteAsync("""
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            VALUES ('coingecko', 'h-a', '2025-02-01 00:40:00+00', 'hostile', 0.5, NULL, NULL, false)
            """);
        await RollUpAsync("true");
        var written = await ResponsesAsync(rawUrls);
        Assert.Contains("\"price_usd\":0.5", written[rawUrls[0]], StringComparison.Ordinal);
        Assert.Equal(16, await database.ScalarAsync<long>("SELECT count(*) FROM price_history"));
        Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM price_points") > 1, "the written day is rows again");

        await compactor.CompactAsync(TimeSpan.FromDays(1), CancellationToken.None);
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM price_points"));
        Assert.Equal(written, await ResponsesAsync(rawUrls));
        await AssertEqualToRawAsync();
    }


    /// <summary>
    /// What the ingestion's rollup step does: move the encoded months of the queued days picked by <paramref name="which"/>
    /// back to day rows, recompute those days from the raw points and remove the entries taken (by id), in one transaction.
    /// </summary>
    private Task RollUpAsync(string which) => database.ExecuteAsync($"""
        BEGIN;
        CREATE TEMP TABLE taken ON COMMIT DROP AS SELECT q.id, q.series_id, q.day FROM price_rollup_queue q WHERE {which};
        CREATE TEMP TABLE picked ON COMMIT DROP AS SELECT DISTINCT series_id, day FROM taken;
        {HistoryRollups.ThawMonths("SELECT DISTINCT series_id, date_trunc('month', day AT TIME ZONE 'UTC')::date AS month FROM picked")};
        DELETE FROM price_rollups_1h r USING picked q WHERE r.series_id = q.series_id AND r.day = (q.day AT TIME ZONE 'UTC')::date;
        DELETE FROM price_rollups_1d r USING picked q WHERE r.series_id = q.series_id AND r.bucket = q.day;
        {HistoryRollups.InsertHours("SELECT b.* FROM picked q CROSS JOIN LATERAL price_rollup_buckets('1 hour', ARRAY[q.series_id], q.day, q.day + interval '1 day') b")};
        INSERT INTO price_rollups_1d SELECT b.* FROM picked q CROSS JOIN LATERAL price_rollup_buckets('1 day', ARRAY[q.series_id], q.day, q.day + interval '1 day') b;
        DELETE FROM price_rollup_queue WHERE id IN (SELECT id FROM taken);
        COMMIT;
        """);

    /// <summary>Every response body, read by a fresh API (its history cache would otherwise answer from before the rollup).</summary>
    private async Task<Dictionary<string, string>> ResponsesAsync(params string[] moreUrls)
    {
        await using var api = new ApiFactory(database.ConnectionString);
        using var client = api.CreateClient();
        var bodies = new Dictionary<string, string>();
        foreach (var url in HistoryUrls.Concat(CandleUrls).Concat(moreUrls))
        {
            using var response = await client.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {body}");
            bodies[url] = body;
        }

        return bodies;
    }

    /// <summary>The 1h and 1d history and candles equal PostgreSQL's bucketing of the raw points, as the endpoints did it before the rollups.</summary>
    private async Task AssertEqualToRawAsync()
    {
        await using var api = new ApiFactory(database.ConnectionString);
        using var client = api.CreateClient();
        foreach (var (interval, from, to) in new[] { ("1h", "2025-01-31T00:00:00Z", "2025-02-03T00:00:00Z"), ("1d", "2025-01-01T00:00:00Z", "2025-06-01T00:00:00Z") })
        {
            var history = await client.GetJsonAsync($"/assets/{AssetId}/history?from={from}&to={to}&interval={interval}");
            var points = history.GetProperty("series").EnumerateArray()
                .SelectMany(series => series.GetProperty("points").EnumerateArray().Select(p => string.Join(' ', series.GetProperty("source").GetString(),
                    p.GetProperty("t").GetString(), p.GetProperty("price_usd").GetRawText(), p.GetProperty("market_cap_usd").GetRawText(),
                    p.GetProperty("volume_24h_usd").GetRawText())));
            Assert.Equal(await RawAsync(LastPerBucket, interval, from, to), points);

            var candles = await client.GetJsonAsync($"/assets/{AssetId}/candles?interval={interval}&from={from}&to={to}");
            var rows = candles.GetProperty("series").EnumerateArray()
                .SelectMany(series => series.GetProperty("candles").EnumerateArray().Select(c => string.Join(' ', series.GetProperty("source").GetString(),
                    c.GetProperty("t").GetString(), c.GetProperty("open").GetRawText(), c.GetProperty("high").GetRawText(), c.GetProperty("low").GetRawText(),
                    c.GetProperty("close").GetRawText(), c.GetProperty("volume_24h_usd").GetRawText(), c.GetProperty("points").GetRawText())));
            Assert.Equal(await RawAsync(Candles, interval, from, to), rows);
        }
    }

    private const string LastPerBucket = """
        SELECT DISTINCT ON (p.source, t) p.source, date_bin($2, p.observed_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS t,
               p.price_usd, p.market_cap_usd, p.volume_24h_usd
          FROM asset_mappings m
          JOIN price_history p ON p.source = m.source COLLATE "C" AND p.source_id = m.source_id COLLATE "C"
         WHERE m.asset_id = $1 AND p.observed_at >= $3 AND p.observed_at < $4
         ORDER BY p.source, t, p.observed_at DESC, p.source_id DESC
        """;

    private const string Candles = """
        SELECT p.source, date_bin($2, p.observed_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS t,
               (array_agg(p.price_usd ORDER BY p.observed_at, p.source_id))[1], max(p.price_usd), min(p.price_usd),
               (array_agg(p.price_usd ORDER BY p.observed_at DESC, p.source_id DESC))[1],
               (array_agg(p.volume_24h_usd ORDER BY p.observed_at DESC, p.source_id DESC))[1], count(*)::int
          FROM asset_mappings m
          JOIN price_history p ON p.source = m.source COLLATE "C" AND p.source_id = m.source_id COLLATE "C"
         WHERE m.asset_id = $1 AND p.observed_at >= $3 AND p.observed_at < $4
         GROUP BY p.source, t
         ORDER BY p.source, t
        """;

    /// <summary>The reference rows as "source t value..." lines, numbers as the API writes them.</summary>
    private async Task<List<string>> RawAsync(string sql, string interval, string from, string to)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue(AssetId);
        command.Parameters.AddWithValue(interval == "1h" ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1));
        command.Parameters.AddWithValue(DateTimeOffset.Parse(from, CultureInfo.InvariantCulture).ToUniversalTime());
        command.Parameters.AddWithValue(DateTimeOffset.Parse(to, CultureInfo.InvariantCulture).ToUniversalTime());
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var fields = new List<string> { reader.GetString(0), JsonSerializer.Serialize(reader.GetFieldValue<DateTime>(1)).Trim('"') };
            for (var column = 2; column < reader.FieldCount; column++)
            {
                fields.Add(reader.IsDBNull(column) ? "null" : Convert.ToString(reader.GetValue(column), CultureInfo.InvariantCulture)!);
            }

            lines.Add(string.Join(' ', fields));
        }

        Assert.NotEmpty(lines);
        return lines;
    }
}
