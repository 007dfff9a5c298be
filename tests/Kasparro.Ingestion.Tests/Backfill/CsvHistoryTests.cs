using System.Globalization;
using System.Text;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Ingestion.Tests.Backfill;

/// <summary>A CSV with many timestamps per symbol is a backfill too: all of it lands in history, the latest row in the normalized table.</summary>
public sealed class CsvHistoryTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static decimal PriceOn(int symbol, int day) => Math.Round(1000m * (symbol + 1) + day * 0.37m + (day % 7) * 1.125m, 6);

    [Fact]
    public async Task Three_years_of_daily_rows_for_three_symbols_land_entirely_in_history_with_the_latest_row_normalized()
    {
        string[] symbols = ["BTC", "ETH", "SOL"];
        var first = new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var days = (int)(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) - first).TotalDays;
        var csv = new StringBuilder("symbol,price_usd,created_at\n");
        // Newest first, symbols interleaved: the file's order must not decide which row is the latest.
        for (var day = days - 1; day >= 0; day--)
        {
            for (var s = 0; s < symbols.Length; s++)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{symbols[s]},{PriceOn(s, day)},{first.AddDays(day):yyyy-MM-ddTHH:mm:ssZ}\n");
            }
        }

        var folder = TestFiles.CreateFolder(("history.csv", csv.ToString()));
        await using var host = IngestionHost.Create(database.ConnectionString, upstream: null, folder, new Dictionary<string, string?> { ["Sources:Csv:BatchSize"] = "1000" });

        var outcome = await host.RunAsync(SourceNames.Csv);

        Assert.Equal(1096, days);
        Assert.Equal(EtlRunStatus.Success, outcome.Status);
        Assert.Equal((3 * days, 3, 3 * days - 3, 0, 0), (outcome.Counts.Fetched, outcome.Counts.Inserted, outcome.Counts.Updated, outcome.Counts.Unchanged, outcome.Counts.Quarantined));
        await using var db = database.CreateDb();
        for (var s = 0; s < symbols.Length; s++)
        {
            var symbol = symbols[s];
            var history = await db.PriceHistory.Where(p => p.Source == SourceNames.Csv && p.SourceId == symbol).OrderBy(p => p.ObservedAt).ToListAsync();
            Assert.Equal(days, history.Count);
            Assert.Equal(first, history[0].ObservedAt);
            Assert.Equal(PriceOn(s, 0), history[0].PriceUsd);
            Assert.Equal(PriceOn(s, 500), history[500].PriceUsd);
            var latest = await db.MarketRecords.SingleAsync(r => r.Id == $"csv_{symbol}");
            Assert.Equal(first.AddDays(days - 1), latest.CreatedAt);
            Assert.Equal(PriceOn(s, days - 1), latest.PriceUsd);
        }

        Assert.Equal(3, await db.MarketRecords.CountAsync(r => r.Source == SourceNames.Csv));
    }
}
