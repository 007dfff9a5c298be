using System.Text;
using System.Text.Json;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.Pipeline;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Ingestion.Tests;

/// <summary>
/// Hostile CSV files through the real pipeline: good rows load, bad rows are quarantined with a reason, nothing
/// is lost (fetched = loaded + quarantined) and nothing crashes.
/// </summary>
public sealed class CsvBadInputTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const string Header = "symbol,name,price_usd,created_at\n";

    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<RunOutcome> RunAsync(string folder)
    {
        await using var host = IngestionHost.Create(database.ConnectionString, upstream: null, folder);
        var outcome = await host.RunAsync(SourceNames.Csv);
        Assert.Equal(outcome.Counts.Fetched, outcome.Counts.Inserted + outcome.Counts.Updated + outcome.Counts.Unchanged + outcome.Counts.Quarantined);
        Assert.Equal(outcome.Counts.Quarantined, await database.ScalarAsync<int>("SELECT count(*) FROM quarantined_records"));
        return outcome;
    }

    private async Task<List<string>> ReasonsAsync()
    {
        await using var db = database.CreateDb();
        return await db.QuarantinedRecords.OrderBy(q => q.Id).Select(q => q.Reason).ToListAsync();
    }

    [Fact]
    public async Task A_semicolon_or_tab_delimited_file_is_detected_and_loads()
    {
        var folder = TestFiles.CreateFolder(
            ("a.csv", "symbol;name;price_usd\nBTC;Bitcoin;70000,5\nETH;Ethereum;2100\n"),
            ("b.csv", "symbol\tprice_usd\nSOL\t150\n"));

        var outcome = await RunAsync(folder);

        // "70000,5" is not a number in the invariant culture: quarantined, never read as 700005.
        Assert.Equal(3, outcome.Counts.Fetched);
        Assert.Equal(2, outcome.Counts.Inserted);
        Assert.Contains(await ReasonsAsync(), r => r.Contains("'price_usd' value '70000,5' is not a number"));
    }

    [Fact]
    public async Task A_file_with_an_unknown_delimiter_is_quarantined_row_by_row_with_the_reason()
    {
        var folder = TestFiles.CreateFolder(("prices.csv", "symbol:name:price_usd\nBTC:Bitcoin:70000\nETH:Ethereum:2100\n"));

        var outcome = await RunAsync(folder);

        Assert.Equal(EtlRunStatus.Failed, outcome.Status);
        Assert.Equal(2, outcome.Counts.Quarantined);
        Assert.All(await ReasonsAsync(), r => Assert.Contains("file has no 'symbol' column", r));
    }

    [Fact]
    public async Task A_missing_required_column_quarantines_the_file_rows_and_other_files_still_load()
    {
        var folder = TestFiles.CreateFolder(
            ("a.csv", "symbol,name\nBTC,Bitcoin\nETH,Ethereum\n"),
            ("b.csv", "symbol,price_usd\nSOL,150\n"));

        var outcome = await RunAsync(folder);

        Assert.Equal(EtlRunStatus.Partial, outcome.Status);
        Assert.Equal(1, outcome.Counts.Inserted);
        Assert.Equal(2, outcome.Counts.Quarantined);
        Assert.All(await ReasonsAsync(), r => Assert.Contains("'price_usd' column", r));
    }

    [Fact]
    public async Task Extra_columns_load_and_are_kept_in_the_raw_payload()
    {
        var folder = TestFiles.CreateFolder(("prices.csv", "symbol,price_usd,exchange,notes\nBTC,70000,binance,hello\n"));

        var outcome = await RunAsync(folder);

        Assert.Equal(EtlRunStatus.Success, outcome.Status);
        Assert.Equal(1, outcome.Counts.Inserted);
        // The raw chunk keeps the header and the row as they stand in the file, extra columns included.
        Assert.Equal("symbol,price_usd,exchange,notes", await database.ScalarAsync<string>("SELECT payload ->> 'header' FROM raw_records"));
        Assert.Equal("BTC,70000,binance,hello", await database.ScalarAsync<string>("SELECT payload -> 'rows' ->> 0 FROM raw_records"));
    }

    [Fact]
    public async Task Quoted_fields_with_newlines_commas_and_quotes_load_verbatim()
    {
        var folder = TestFiles.CreateFolder(("prices.csv", Header +
            "BTC,\"Bit\ncoin, \"\"the\"\" one\",70000,2026-02-01T00:00:00Z\n" +
            "ETH,Ethereum,2100,2026-02-01T00:00:00Z\n"));

        var outcome = await RunAsync(folder);

        Assert.Equal(2, outcome.Counts.Inserted);
        Assert.Equal("Bit\ncoin, \"the\" one", await database.ScalarAsync<string>("SELECT name FROM normalized_records WHERE ticker = 'BTC'"));
    }

    [Fact]
    public async Task A_row_with_bytes_that_are_not_utf8_is_quarantined_and_its_neighbours_load()
    {
        var bytes = Encoding.UTF8.GetBytes(Header + "BTC,Bitcoin,70000,2026-02-01T00:00:00Z\nXYZ,Caf")
            .Concat(new byte[] { 0xE9, 0xFF })
            .Concat(Encoding.UTF8.GetBytes(",1,2026-02-01T00:00:00Z\nETH,Ethereum,2100,2026-02-01T00:00:00Z\n"))
            .ToArray();
        var folder = TestFiles.CreateFolder("prices.csv", bytes);

        var outcome = await RunAsync(folder);

        Assert.Equal(2, outcome.Counts.Inserted);
        Assert.Equal(1, outcome.Counts.Quarantined);
        Assert.Contains("not valid UTF-8", Assert.Single(await ReasonsAsync()));
    }

    [Fact]
    public async Task A_100_mb_line_is_quarantined_without_storing_it_whole_and_its_neighbours_load()
    {
        var folder = TestTemp.NewFolder("csv");
        await using (var writer = new StreamWriter(Path.Combine(folder, "huge.csv")))
        {
            await writer.WriteAsync(Header + "BTC,Bitcoin,70000,2026-02-01T00:00:00Z\nHUGE,");
            var chunk = new string('x', 1024 * 1024);
            for (var i = 0; i < 100; i++)
            {
                await writer.WriteAsync(chunk);
            }

            await writer.WriteAsync(",1,2026-02-01T00:00:00Z\nETH,Ethereum,2100,2026-02-01T00:00:00Z\n");
        }

        var outcome = await RunAsync(folder);

        Assert.Equal(2, outcome.Counts.Inserted);
        Assert.Equal(1, outcome.Counts.Quarantined);
        Assert.Contains("longer than", Assert.Single(await ReasonsAsync()));
        Assert.Equal("huge.csv:3", await database.ScalarAsync<string>("SELECT location FROM quarantined_records"));
        Assert.InRange(await database.ScalarAsync<long>("SELECT length(raw_content) FROM quarantined_records"), 1, 8 * 1024);
    }

    [Fact]
    public async Task Formula_looking_cells_are_stored_as_text_and_served_as_json_strings()
    {
        string[] formulas = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "=1+1"];
        var rows = formulas.Select((f, i) => $"F{i},\"{f.Replace("\"", "\"\"")}\",{i + 1},2026-02-01T00:00:00Z\n");
        var folder = TestFiles.CreateFolder(("prices.csv", Header + string.Concat(rows)));

        var outcome = await RunAsync(folder);

        Assert.Equal(formulas.Length, outcome.Counts.Inserted);
        await using var api = new ApiFactory(database.ConnectionString);
        using var client = api.CreateClient();
        using var body = JsonDocument.Parse(await client.GetStringAsync("/data?source=csv&limit=200"));
        var names = body.RootElement.GetProperty("data").EnumerateArray()
            .ToDictionary(d => d.GetProperty("ticker").GetString()!, d => d.GetProperty("name"));
        for (var i = 0; i < formulas.Length; i++)
        {
            Assert.Equal(JsonValueKind.String, names[$"F{i}"].ValueKind);
            Assert.Equal(formulas[i], names[$"F{i}"].GetString());
        }
    }
}
