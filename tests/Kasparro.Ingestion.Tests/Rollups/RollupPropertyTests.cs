using System.Globalization;
using System.Text;
using Kasparro.Data;
using Kasparro.Ingestion.Backfill;
using Kasparro.Ingestion.History;
using Kasparro.Ingestion.Rollups;
using Kasparro.Ingestion.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Rollups;

/// <summary>
/// Random writes through the real writers (CSV runs through the bulk writer, backfill charts through the backfill
/// writer) and by hand (inserts, updates that move points across days, deletes), around hour, day, month and year
/// boundaries, out of order, very old, repeated, with hostile values; every fourth round compacts every month into
/// chunks, so later writes land in compacted days; after each round the rollup step runs (in small steps, sometimes twice
/// over everything), the rollup tables must equal a full recomputation, digit for digit, and no observation is stored twice.
/// </summary>
public sealed class RollupPropertyTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset[] Anchors =
    [
        new(2026, 1, 31, 23, 0, 0, TimeSpan.Zero),   // the end of a day and of a month
        new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero),
        new(2025, 12, 31, 23, 30, 0, TimeSpan.Zero), // the end of a year
        new(2026, 3, 29, 0, 30, 0, TimeSpan.Zero),   // the night Europe's clocks move: rollup days stay UTC days
        new(2019, 5, 17, 11, 0, 0, TimeSpan.Zero),   // a very old backfill
    ];

    private static readonly string[] Values =
    [
        "0.000000000000000001", "1234567890.123456789012345678", "0.1000", "0", "42", "0.00000808", "71370.71020525187",
        "9999999999999999.999999999999", "1",
    ];

    private static readonly string[] Symbols = ["AAA", "BBB", "CCC", "DDD"];

    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Rollups_equal_a_recomputation_from_the_raw_points_after_any_mix_of_writes(int seed)
    {
        var random = new Random(seed);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var refresher = new RollupRefresher(dataSource, Microsoft.Extensions.Options.Options.Create(new RollupOptions()), NullLogger<RollupRefresher>.Instance);
        await ArrangeAsync(dataSource);
        var written = new List<(string Symbol, DateTimeOffset At)>();
        // A clock years ahead: a compaction takes every month there is.
        var compactor = new HistoryCompactor(dataSource, new FixedClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)), NullLogger.Instance);
        long compacted = 0;

        for (var round = 0; round < 10; round++)
        {
            if (round % 4 == 3)
            {
                compacted += (await compactor.CompactAsync(TimeSpan.FromDays(1), CancellationToken.None)).Sum(m => m.Points);
            }

            var action = random.Next(3);
            switch (action)
            {
                case 0:
                    await WriteCsvAsync(random, written);
                    break;
                case 1:
                    await WriteBackfillAsync(dataSource, random);
                    break;
                default:
                    await WriteByHandAsync(dataSource, random);
                    break;
            }

            // Small steps, so one round takes several, each grouping a few series-days.
            while ((await refresher.RefreshStepAsync(random.Next(1, 6), CancellationToken.None)).Entries > 0)
            {
            }

            if (random.Next(3) == 0)
            {
                // Every stored day queued again (as after a crash that left them queued): the same rollups come out.
                await database.ExecuteAsync($"""
                    INSERT INTO {HistoryRollups.QueueTable} (series_id, day)
                    SELECT DISTINCT s.id, date_trunc('day', p.observed_at, 'UTC')
                      FROM price_history p JOIN price_series s ON s.source = p.source AND s.source_id = p.source_id
                    """);
                await refresher.RefreshQueuedAsync(CancellationToken.None);
            }

            await RollupRecomputation.AssertExactAsync(database.ConnectionString, $"seed {seed}, round {round}, action {action}");
            Assert.Equal(0L, await database.ScalarAsync<long>(
                "SELECT count(*) FROM (SELECT 1 FROM price_history GROUP BY source, source_id, observed_at HAVING count(*) > 1) AS doubled"));
        }

        Assert.True(compacted > 0, "no round compacted any point");
        Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM price_chunks") > 0, "nothing stayed compacted to the end");

        Assert.True(await RollupRecomputation.AssertExactAsync(database.ConnectionString, $"seed {seed}, end") > 0, "the rounds wrote no points at all");
        Assert.True(await database.ScalarAsync<long>("SELECT count(DISTINCT date_trunc('month', observed_at, 'UTC')) FROM price_history") >= 3,
            "the points do not span several months");
    }

    /// <summary>The months every write may fall in, the hand-written series, and the asset the backfill writes for.</summary>
    private async Task ArrangeAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {HistoryStorage.EnsurePartitionsFunction}(ARRAY['2019-05-01Z', '2019-06-01Z', '2025-12-01Z', '2026-01-01Z', '2026-02-01Z', '2026-03-01Z', '2026-04-01Z']::timestamptz[]);
            INSERT INTO price_series (source, source_id, asset_id) VALUES ('test', 't1', NULL), ('test', 't2', NULL);
            INSERT INTO assets (id, symbol, name, created_at, updated_at) VALUES ('btc', 'BTC', 'Bitcoin', now(), now());
            """);
        await command.ExecuteNonQueryAsync();
    }

    private static DateTimeOffset RandomTime(Random random)
    {
        var anchor = Anchors[random.Next(Anchors.Length)];
        // A third exactly on the boundary, the rest within three hours either side, to the millisecond.
        return random.Next(3) == 0 ? anchor : anchor.AddMilliseconds(random.Next(-3 * 3_600_000, 3 * 3_600_000));
    }

    private static string RandomValue(Random random) => Values[random.Next(Values.Length)];

    private static string? RandomOptionalValue(Random random) => random.Next(4) == 0 ? null : RandomValue(random);

    /// <summary>A CSV file of rows in random order, some repeating earlier rows, loaded by a real CSV run.</summary>
    private async Task WriteCsvAsync(Random random, List<(string Symbol, DateTimeOffset At)> written)
    {
        var csv = new StringBuilder("symbol,name,price_usd,market_cap_usd,volume_24h_usd,percent_change_24h,created_at\n");
        var rows = random.Next(1, 40);
        for (var i = 0; i < rows; i++)
        {
            var (symbol, at) = written.Count > 0 && random.Next(5) == 0
                ? written[random.Next(written.Count)]
                : (Symbols[random.Next(Symbols.Length)], RandomTime(random));
            written.Add((symbol, at));
            csv.Append(CultureInfo.InvariantCulture,
                $"{symbol},{symbol} coin,{RandomValue(random)},{RandomOptionalValue(random)},{RandomOptionalValue(random)},,{at:yyyy-MM-ddTHH:mm:ss.fffZ}\n");
        }

        var folder = TestFiles.CreateFolder(("prices.csv", csv.ToString()));
        await using var host = IngestionHost.Create(database.ConnectionString, upstream: null, folder);
        var outcome = await host.RunAsync(SourceNames.Csv);
        Assert.True(outcome.Succeeded, outcome.Error);
    }

    /// <summary>A market chart for one coin through the backfill's writer, in one transaction as a backfill run writes it.</summary>
    private static async Task WriteBackfillAsync(NpgsqlDataSource dataSource, Random random)
    {
        var points = Enumerable.Range(0, random.Next(1, 30))
            .Select(_ => new HistoryPoint(RandomTime(random), decimal.Parse(RandomValue(random), CultureInfo.InvariantCulture),
                RandomOptionalValue(random) is { } cap ? decimal.Parse(cap, CultureInfo.InvariantCulture) : null,
                RandomOptionalValue(random) is { } volume ? decimal.Parse(volume, CultureInfo.InvariantCulture) : null))
            .ToList();
        var runId = await new RunRecorder(dataSource, TimeProvider.System).StartAsync(SourceNames.CoinGeckoHistory, "test", null, CancellationToken.None);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await BackfillPointWriter.WriteAsync(connection, transaction, runId, "bitcoin", "btc", new MarketChart(points, []),
            $"{{\"round\":{random.Next()}}}", TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow, CancellationToken.None);
        await transaction.CommitAsync();
    }

    /// <summary>
    /// Inserts, updates (new values, or the point moved by hours, often into another day) or deletes by hand, straight into
    /// price_points as a writer outside the services would, after preparing the days it may touch (compacted ones back to rows).
    /// </summary>
    private static async Task WriteByHandAsync(NpgsqlDataSource dataSource, Random random)
    {
        var series = $"(SELECT id FROM price_series WHERE source = 'test' AND source_id = 't{random.Next(1, 3)}')";
        await using var connection = await dataSource.OpenConnectionAsync();
        var days = Anchors.SelectMany(a => Enumerable.Range(-1, 4).Select(d => new DateTimeOffset(a.UtcDateTime.Date.AddDays(d), TimeSpan.Zero))).Distinct().ToArray();
        await using (var prepare = new NpgsqlCommand($"SELECT {HistoryCompaction.PrepareWriteFunction}(array_fill({series}, ARRAY[{days.Length}]), $1)", connection))
        {
            prepare.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = days });
            await prepare.ExecuteNonQueryAsync();
        }

        var insert = new NpgsqlCommand($"""
            INSERT INTO price_points ({HistoryStorage.PointColumns})
            SELECT at, {series}, false, price::numeric, cap::numeric, volume::numeric
              FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[]) AS n(at, price, cap, volume)
            ON CONFLICT DO NOTHING
            """, connection);
        var count = random.Next(1, 12);
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. Enumerable.Range(0, count).Select(_ => RandomTime(random))] });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. Enumerable.Range(0, count).Select(_ => RandomValue(random))] });
        insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. Enumerable.Range(0, count).Select(_ => RandomOptionalValue(random))] });
        insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. Enumerable.Range(0, count).Select(_ => RandomOptionalValue(random))] });
        await using (insert)
        {
            await insert.ExecuteNonQueryAsync();
        }

        var chosen = $"(SELECT observed_at FROM price_points WHERE series_id = {series} ORDER BY observed_at OFFSET {random.Next(4)} LIMIT 2)";
        var change = random.Next(3) switch
        {
            0 => $"UPDATE price_points SET price_usd = {RandomValue(random)}, volume_24h_usd = NULL WHERE series_id = {series} AND observed_at IN {chosen}",
            1 => $"UPDATE price_points SET observed_at = observed_at + interval '{random.Next(1, 30)} hours 0.{random.Next(1000):D3} seconds' WHERE series_id = {series} AND observed_at IN {chosen}",
            _ => $"DELETE FROM price_points WHERE series_id = {series} AND observed_at IN {chosen}",
        };
        await using var command = new NpgsqlCommand(change, connection);
        try
        {
            await command.ExecuteNonQueryAsync();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // A point moved onto a time the series already holds: the statement changed nothing.
        }
    }
}
