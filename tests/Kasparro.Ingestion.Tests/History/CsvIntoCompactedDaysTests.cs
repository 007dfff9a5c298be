using System.Globalization;
using System.Text;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.History;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kasparro.Ingestion.Tests.History;

/// <summary>
/// A CSV batch that reaches into several compacted days of each of its series: the writer prepares every (series, day)
/// the batch touches, so each of those days is back to rows before the write, and an observation already stored in any of
/// them is found and counted unchanged, never stored twice.
/// </summary>
public sealed class CsvIntoCompactedDaysTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset FirstHour = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] Symbols = ["BTC", "ETH"];

    private const int Days = 3;

    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_file_repeating_three_compacted_days_and_adding_to_them_stores_each_observation_once()
    {
        var hourly = Rows(TimeSpan.Zero);
        var halfHours = Rows(TimeSpan.FromMinutes(30));
        var folder = TestFiles.CreateFolder(("a.csv", Csv(hourly)));
        await using (var first = IngestionHost.Create(database.ConnectionString, upstream: null, folder, new Dictionary<string, string?> { ["Sources:Csv:BatchSize"] = "1000" }))
        {
            Assert.Equal(EtlRunStatus.Success, (await first.RunAsync(SourceNames.Csv)).Status);
        }

        await using (var dataSource = NpgsqlDataSource.Create(database.ConnectionString))
        {
            // A clock years ahead: every month there is is compacted.
            var compactor = new HistoryCompactor(dataSource, new FixedClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)), NullLogger.Instance);
            Assert.Equal(hourly.Count, (await compactor.CompactAsync(TimeSpan.FromDays(1), CancellationToken.None)).Sum(m => m.Points));
        }

        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM price_points"));
        Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM price_chunks") > 0, "nothing was compacted");

        // A second file, one batch, hour by hour with the symbols interleaved: every stored hour again, then a new half hour after each.
        File.WriteAllText(Path.Combine(folder, "b.csv"), Csv([.. hourly, .. halfHours]));
        await using var second = IngestionHost.Create(database.ConnectionString, upstream: null, folder, new Dictionary<string, string?> { ["Sources:Csv:BatchSize"] = "1000" });
        var outcome = await second.RunAsync(SourceNames.Csv);

        Assert.Equal(EtlRunStatus.Success, outcome.Status);
        Assert.Equal((2 * hourly.Count, 0, halfHours.Count, hourly.Count, 0),
            (outcome.Counts.Fetched, outcome.Counts.Inserted, outcome.Counts.Updated, outcome.Counts.Unchanged, outcome.Counts.Quarantined));
        Assert.Equal(hourly.Count + halfHours.Count, await database.ScalarAsync<long>("SELECT count(*) FROM price_history WHERE source = 'csv'"));
        Assert.Equal(hourly.Count + halfHours.Count, await database.ScalarAsync<long>(
            "SELECT count(*) FROM (SELECT DISTINCT source_id, observed_at FROM price_history WHERE source = 'csv') AS observations"));
        Assert.Equal(string.Join('\n', hourly.Concat(halfHours).OrderBy(r => r.Symbol, StringComparer.Ordinal).ThenBy(r => r.At).Select(r => $"{r.Symbol} {r.Price}")),
            await database.ScalarAsync<string>("""
                SELECT string_agg(source_id || ' ' || price_usd, E'\n' ORDER BY source_id COLLATE "C", observed_at)
                  FROM price_history WHERE source = 'csv'
                """));
    }

    /// <summary>Every hour of <see cref="Days"/> days for each symbol, shifted by <paramref name="offset"/>, with a price unique to the row.</summary>
    private static List<(string Symbol, DateTimeOffset At, string Price)> Rows(TimeSpan offset) =>
        [.. from hour in Enumerable.Range(0, Days * 24)
            from s in Enumerable.Range(0, Symbols.Length)
            select (Symbols[s], FirstHour.AddHours(hour) + offset,
                (1000 * (s + 1) + hour + offset.TotalMinutes / 100).ToString("0.00", CultureInfo.InvariantCulture))];

    private static string Csv(IEnumerable<(string Symbol, DateTimeOffset At, string Price)> rows)
    {
        var csv = new StringBuilder("symbol,price_usd,created_at\n");
        foreach (var (symbol, at, price) in rows)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{symbol},{price},{at:yyyy-MM-ddTHH:mm:ssZ}\n");
        }

        return csv.ToString();
    }
}
