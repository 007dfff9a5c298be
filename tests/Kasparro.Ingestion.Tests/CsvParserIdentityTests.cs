using System.Globalization;
using System.Text;
using Kasparro.Ingestion.Sources;
using Kasparro.Ingestion.Sources.Csv;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kasparro.Ingestion.Tests;

/// <summary>
/// The CSV source reads plain files (<see cref="CsvFileScan.IsPlain"/>) with Sep and every other file with CsvHelper:
/// both must hand the writer exactly the same batches. Each file here is read twice, with <see cref="CsvOptions.FastPath"/>
/// on and off, and everything the writer receives is compared: records, values, reasons, locations, raw payloads,
/// raw chunks, checkpoints and drift. No database: this is the reader alone.
/// </summary>
public sealed class CsvParserIdentityTests
{
    private const string Header = "symbol,name,price_usd,market_cap_usd,volume_24h_usd,percent_change_24h,created_at";

    /// <summary>Files without quotes, long lines or lone carriage returns: read by Sep when the fast path is on.</summary>
    public static TheoryData<string, byte[]> PlainFiles => new()
    {
        { "regular", Utf8(Header + "\n" + string.Concat(Enumerable.Range(0, 50).Select(RegularLine))) },
        { "crlf", Utf8(Header + "\r\n" + string.Concat(Enumerable.Range(0, 20).Select(i => RegularLine(i).Replace("\n", "\r\n")))) },
        { "no final newline", Utf8(Header + "\nBTC,Bitcoin,70000,1,2,3,2026-02-01T00:00:00Z") },
        { "blank lines everywhere", Utf8("\n\n" + Header + "\n\nBTC,Bitcoin,70000,,,,2026-02-01T00:00:00Z\n\n\r\n\nETH,Ethereum,2100,,,,\n\n\n") },
        { "white space lines and padding", Utf8(Header + "\n   \n\t\n  btc , Bit coin ,\t70000.5\t, 1.4e12 ,  , -1.25 , 2026-02-08T13:52:28Z \n ,,,,,,\n,,,,,,\n") },
        { "short, long and empty rows", Utf8("symbol;price_usd;market_cap_usd\nETH;2100\nSOL;150;1;extra;more\nADA\n;\n;;;;;;;;\nXRP;0.5;\n") },
        { "tab delimited", Utf8("symbol\tname\tprice_usd\nSOL\tSolana\t150\nETH\t\t2100\n") },
        { "pipe delimited", Utf8("Symbol | Price_USD | Name\nBTC|70000|Bitcoin\nETH | 2100 | Ethereum \n") },
        { "unknown delimiter", Utf8("symbol:name:price_usd\nBTC:Bitcoin:70000\nETH:Ethereum:2100\n") },
        { "missing required column", Utf8("symbol,name\nBTC,Bitcoin\nETH,Ethereum\n") },
        { "duplicate and odd header names", Utf8(" SYMBOL ,price_usd,price_usd,,Extra Column\nBTC,1,2,3,4\n") },
        {
            "bad values", Utf8(Header + "\n" +
                ",NoSymbol,1,,,,\n" +
                "BT C,Space,1,,,,\n" +
                "€UR,Euro,1,,,,\n" +
                new string('A', 33) + ",Long,1,,,,\n" +
                "NEG,Negative,-1,,,,\n" +
                "EMPTY,Empty price,,,,,\n" +
                "COMMA,Comma,0;5,,,,\n" +
                "NAN,Not a number,NaN,,,,\n" +
                "HUGE,Huge,1e400,,,,\n" +
                "CAP,Bad cap,1,lots,,,\n" +
                "VOL,Bad volume,1,,-,,\n" +
                "DATE,Bad date,1,,,,yesterday\n" +
                "EPOCH,Epoch,1,,,,1735689600000\n" +
                "OFFSET,Offset,1,,,,2025-01-01T00:00:00+02:00\n" +
                "FRAC,Fraction,1,,,,2025-01-01T00:00:00.578Z\n" +
                "EXP,Exponent,8.08e-06,1.4E12,0,-0,2025-02-29T00:00:00Z\n" +
                "low,lower case,1,,,,\n" +
                "=1+1,Formula,1,,,,\n" +
                "ÉTH,Ünïcödé 名前,1,,,,\n")
        },
        { "invalid utf-8", [.. Utf8(Header + "\nBTC,Bitcoin,70000,,,,\nXYZ,Caf"), 0xE9, 0xFF, .. Utf8(",1,,,,\nETH,Ethereum,2100,,,,\n")] },
        { "nul characters", Utf8(Header + "\nBTC,Bit\0coin,70000,,,,\nN\0L,Nul,1,,,,\nETH,Ethereum,2100,,,,\n") },
        { "byte order mark", [0xEF, 0xBB, 0xBF, .. Utf8(Header + "\nBTC,Bitcoin,70000,,,,\n")] },
        { "a line exactly at the field limit", Utf8(Header + "\nBTC,Bitcoin,70000,,,,\n" + new string('x', 1024 * 1024) + "\nETH,Ethereum,2100,,,,\n") },
        { "header only", Utf8(Header + "\n") },
        { "header and blank lines", Utf8(Header + "\n\n\n") },
        { "empty", [] },
        { "only blank lines", Utf8("\n\r\n\n") },
    };

    /// <summary>Files CsvHelper reads whichever way the fast path is set: quoting, a line over the field limit, lone carriage returns.</summary>
    public static TheoryData<string, byte[]> IrregularFiles => new()
    {
        { "quoted fields", Utf8(Header + "\n\"BTC\",\"Bit\ncoin, \"\"the\"\" one\",70000,,,,\nETH,Ethereum,2100,,,,\n") },
        { "stray quote", Utf8(Header + "\nBTC,Bit\"coin,70000,,,,\nETH,Ethereum,2100,,,,\n") },
        { "quote in the last row only", Utf8(Header + "\nBTC,Bitcoin,70000,,,,\nETH,\"Ethereum\",2100,,,,\n") },
        { "lone carriage returns", Utf8(Header + "\rBTC,Bitcoin,70000,,,,\rETH,Ethereum,2100,,,,\r") },
        { "line over the field limit", Utf8(Header + "\nBTC,Bitcoin,70000,,,,\nHUGE," + new string('x', 1024 * 1024 + 10) + ",1,,,,\nETH,Ethereum,2100,,,,\n") },
    };

    [Theory]
    [MemberData(nameof(PlainFiles))]
    public Task A_plain_file_is_read_by_sep_with_exactly_what_csvhelper_reads(string name, byte[] content) =>
        AssertReadTheSameAsync(name, content, plain: true);

    [Theory]
    [MemberData(nameof(IrregularFiles))]
    public Task An_irregular_file_is_read_by_csvhelper_whichever_way_the_fast_path_is_set(string name, byte[] content) =>
        AssertReadTheSameAsync(name, content, plain: false);

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(50)]
    public async Task Batches_split_and_resume_at_the_same_rows_with_either_parser(int batchSize)
    {
        var lines = Enumerable.Range(0, 60).Select(i => i % 13 == 0 ? "\n" : RegularLine(i));
        // An unknown column: every batch carries the drift of its own rows.
        var folder = TestFiles.CreateFolder(("prices.csv", "\n" + Header + ",exchange\n" + string.Concat(lines)));

        await AssertBothParsersReadTheSameAsync(folder, batchSize);

        // A half-read file resumes after the row its checkpoint holds, with either parser.
        var fingerprint = CsvFileScan.Read(Path.Combine(folder, "prices.csv"), new[] { '"', '"' }, 1024 * 1024, CancellationToken.None).Fingerprint;
        var checkpoint = $$"""{"fingerprint":"{{fingerprint}}","row":23,"complete":false}""";
        await AssertBothParsersReadTheSameAsync(folder, batchSize, checkpoint);
    }

    [Fact]
    public async Task The_comparison_sees_a_difference_in_any_row()
    {
        // Guards the guard: the dump the identity tests compare changes when one value of one row changes.
        var before = await DumpAsync(TestFiles.CreateFolder(("prices.csv", Header + "\nBTC,Bitcoin,70000,,,,\nETH,Ethereum,2100,,,,\n")), fastPath: true, 20, null);
        var after = await DumpAsync(TestFiles.CreateFolder(("prices.csv", Header + "\nBTC,Bitcoin,70000,,,,\nETH,Ethereum,2101,,,,\n")), fastPath: true, 20, null);

        Assert.NotEqual(before, after);
    }

    /// <summary>The file is (or is not) plain, so the fast path really is Sep for it (or CsvHelper), and both read it alike.</summary>
    private static async Task AssertReadTheSameAsync(string name, byte[] content, bool plain)
    {
        var folder = TestFiles.CreateFolder("prices.csv", content);

        var scan = CsvFileScan.Read(Path.Combine(folder, "prices.csv"), new[] { '"', '"' }, 1024 * 1024, CancellationToken.None);

        Assert.True(scan.IsPlain == plain, name);
        await AssertBothParsersReadTheSameAsync(folder);
    }

    private static async Task AssertBothParsersReadTheSameAsync(string folder, int batchSize = 20_000, string? checkpoint = null)
    {
        var byCsvHelper = await DumpAsync(folder, fastPath: false, batchSize, checkpoint);
        var bySep = await DumpAsync(folder, fastPath: true, batchSize, checkpoint);

        Assert.NotEmpty(byCsvHelper);
        Assert.Equal(byCsvHelper, bySep);
    }

    /// <summary>Everything the reader hands the writer, one line per record, checkpoint, raw chunk and drift observation.</summary>
    private static async Task<List<string>> DumpAsync(string folder, bool fastPath, int batchSize, string? checkpoint)
    {
        var source = new CsvSource(
            Microsoft.Extensions.Options.Options.Create(new CsvOptions { Path = folder, BatchSize = batchSize, FastPath = fastPath }),
            new HostingEnvironment { ContentRootPath = folder },
            NullLogger<CsvSource>.Instance);
        var checkpoints = new Dictionary<string, string?>();
        if (checkpoint is not null)
        {
            checkpoints["csv:prices.csv"] = checkpoint;
        }

        var context = new SourceReadContext(1, checkpoints, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var dump = new List<string>();
        await foreach (var batch in source.ReadAsync(context, CancellationToken.None))
        {
            foreach (var r in batch.Records)
            {
                var v = r.Values;
                dump.Add(string.Create(CultureInfo.InvariantCulture,
                    $"record {r.SourceId}|{r.Location}|{r.RejectReason}|{r.RawPayload}|{v?.Ticker}|{v?.Name}|{v?.PriceUsd}|{v?.MarketCapUsd}|{v?.Volume24hUsd}|{v?.PercentChange24h}|{v?.ObservedAt:O}|{v?.Rank}"));
            }

            dump.Add($"checkpoint {batch.Checkpoint.Key}|{batch.Checkpoint.Position}");
            if (batch.RawChunk is { } raw)
            {
                dump.Add($"chunk {raw.SourceId}|{raw.SourceTimestamp:O}|{raw.ContentHash}|{raw.Json}");
            }

            foreach (var (observation, count) in context.Drift.Drain())
            {
                dump.Add($"drift {observation}|{count}");
            }
        }

        return dump;
    }

    private static string RegularLine(int i) => string.Create(CultureInfo.InvariantCulture,
        $"C{i % 17:D5},Coin {i % 17},{0.01m + i * 3.17m},{i * 1_000_000},{i * 50_000},{i % 20 - 10}.5,2025-01-01T{i % 24:D2}:00:00Z\n");

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
