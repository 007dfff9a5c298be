using System.Text.Json;
using Kasparro.Ingestion.Sources;
using Kasparro.Ingestion.Sources.Csv;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kasparro.Ingestion.Tests;

/// <summary>
/// How the CSV source reads a field's text, without a database: a value reads the same whether its record is split by
/// the source (no quotes in it) or by CsvHelper (quoted), and the span readers of <see cref="SourceValues"/> agree
/// with the string readers the API sources use.
/// </summary>
public sealed class CsvFieldReadingTests
{
    [Fact]
    public async Task A_value_reads_the_same_quoted_unquoted_padded_or_lower_case()
    {
        var folder = TestFiles.CreateFolder(("prices.csv",
            "symbol,name,price_usd,market_cap_usd,volume_24h_usd,percent_change_24h,created_at\n" +
            "BTC,Bitcoin,70000.5,1.4e12,,-1.25,2026-02-08T13:52:28Z\n" +
            "\"BTC\",\"Bitcoin\",\"70000.5\",\"1.4e12\",\"\",\"-1.25\",\"2026-02-08T13:52:28Z\"\n" +
            "  btc , Bitcoin ,\t70000.5\t, 1.4e12 ,  , -1.25 , 2026-02-08T13:52:28Z \n" +
            " \"btc\" ,\"Bitcoin\", 70000.5,1.4e12,,-1.25,2026-02-08T13:52:28Z\r\n"));

        var batches = await ReadAllAsync(folder);

        var records = batches.SelectMany(b => b.Records).ToList();
        Assert.Equal(4, records.Count);
        Assert.All(records, r => Assert.Null(r.RejectReason));
        var expected = new MarketValues("BTC", "Bitcoin", 70000.5m, 1400000000000m, null, -1.25m,
            new DateTimeOffset(2026, 2, 8, 13, 52, 28, TimeSpan.Zero), null);
        Assert.All(records, r => Assert.Equal(expected, r.Values));
        Assert.All(records, r => Assert.Equal("BTC", r.SourceId));

        // Each line is kept exactly as written, with its line numbers, in the batch's raw chunk (not in the records).
        string[] lines =
        [
            "BTC,Bitcoin,70000.5,1.4e12,,-1.25,2026-02-08T13:52:28Z",
            "\"BTC\",\"Bitcoin\",\"70000.5\",\"1.4e12\",\"\",\"-1.25\",\"2026-02-08T13:52:28Z\"",
            "  btc , Bitcoin ,\t70000.5\t, 1.4e12 ,  , -1.25 , 2026-02-08T13:52:28Z ",
            " \"btc\" ,\"Bitcoin\", 70000.5,1.4e12,,-1.25,2026-02-08T13:52:28Z",
        ];
        Assert.All(records, r => Assert.Equal(("", ""), (r.RawPayload, r.Location)));
        using var chunk = JsonDocument.Parse(batches.Single(b => b.RawChunk is not null).RawChunk!.Json);
        Assert.Equal(lines, chunk.RootElement.GetProperty("rows").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal((2, 5), (chunk.RootElement.GetProperty("first_line").GetInt32(), chunk.RootElement.GetProperty("last_line").GetInt32()));
    }

    [Fact]
    public async Task A_short_row_a_long_row_and_a_bad_number_read_the_same_unquoted_or_quoted()
    {
        var folder = TestFiles.CreateFolder(("prices.csv",
            "symbol;price_usd;market_cap_usd\n" +
            "ETH;2100\n" +
            "\"ETH\";\"2100\"\n" +
            "SOL;150;1;extra\n" +
            "\"SOL\";\"150\";\"1\";\"extra\"\n" +
            "ADA;0,5\n" +
            "\"ADA\";\"0,5\"\n"));

        var records = (await ReadAllAsync(folder)).SelectMany(b => b.Records).ToList();

        Assert.Equal(6, records.Count);
        for (var i = 0; i < records.Count; i += 2)
        {
            Assert.Equal(records[i].Values, records[i + 1].Values);
            Assert.Equal(records[i].RejectReason, records[i + 1].RejectReason);
            Assert.Equal(records[i].SourceId, records[i + 1].SourceId);
        }

        Assert.Null(records[0].Values!.MarketCapUsd);
        Assert.Equal(1m, records[2].Values!.MarketCapUsd);
        Assert.Equal("'price_usd' value '0,5' is not a number", records[4].RejectReason);
        // A rejected row is kept as JSON keyed by the header, whichever way its record was split.
        Assert.Equal("{\"symbol\":\"ADA\",\"price_usd\":\"0,5\"}", records[4].RawPayload);
        Assert.Equal(records[4].RawPayload, records[5].RawPayload);
    }

    [Theory]
    [InlineData("2026-02-08T13:52:28Z")]
    [InlineData("  2026-02-08T13:52:28Z  ")]
    [InlineData("2024-02-29T00:00:00Z")]
    [InlineData("2025-02-29T00:00:00Z")]
    [InlineData("2025-13-01T00:00:00Z")]
    [InlineData("2025-01-01T24:00:00Z")]
    [InlineData("2025-01-01T00:60:00Z")]
    [InlineData("2025-01-01T00:00:60Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59Z")]
    [InlineData("2025-01-01t00:00:00z")]
    [InlineData("2025-01-01T00:00:00.578Z")]
    [InlineData("2025-01-01T00:00:00+02:00")]
    [InlineData("2025-01-01T00:00:00")]
    [InlineData("2025-01-01 00:00:00Z")]
    [InlineData("2025-01-01")]
    [InlineData("1735689600000")]
    [InlineData("17356896000")]
    [InlineData("+1735689600000")]
    [InlineData("２０２５-01-01T00:00:00Z")]
    [InlineData("not a date")]
    [InlineData("")]
    [InlineData("   ")]
    public void A_timestamp_is_read_as_the_general_rule_reads_it_fast_path_or_not(string text)
    {
        var byRule = GeneralTimestampRule(text, out var expected);

        var read = SourceValues.TryParseTimestamp(text.AsSpan(), out var actual);

        Assert.Equal(byRule, read);
        Assert.Equal(expected, actual);
        Assert.Equal(expected.Offset, actual.Offset);
    }

    /// <summary>The rule the digit-by-digit fast path must agree with: epoch milliseconds, else the general parser, as UTC.</summary>
    private static bool GeneralTimestampRule(string text, out DateTimeOffset value)
    {
        value = default;
        text = text.Trim();
        if (text.Length is >= 12 and <= 14 && text.All(char.IsAsciiDigit))
        {
            value = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }

        if (!DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return false;
        }

        value = parsed.ToUniversalTime();
        return true;
    }

    [Theory]
    [InlineData("70000.5")]
    [InlineData("8.08e-06")]
    [InlineData("-0")]
    [InlineData("1e400")]
    [InlineData("0,5")]
    [InlineData("abc")]
    [InlineData("NaN")]
    [InlineData(" 12 ")]
    public void A_number_read_from_a_span_is_read_as_from_a_string(string text)
    {
        var expected = SourceValues.ParseDecimal(text, "price_usd", out var expectedError);

        var actual = SourceValues.ParseDecimal(text.AsSpan(), "price_usd", out var actualError);

        Assert.Equal(expected, actual);
        Assert.Equal(expectedError, actualError);
    }

    [Fact]
    public void A_number_read_from_a_span_has_the_same_value_sign_and_scale_as_from_a_string()
    {
        // The digit-by-digit fast path must give the general parser's exact decimal: the scale is stored (1.50 is
        // not 1.5 in a numeric column), so the bits are compared, not the values.
        var random = new Random(17);
        var texts = new List<string>
        {
            "0", "-0", "0.0", "-0.000", "00", "007.50", "1.50", "1.", ".5", "-.5", "1..2", "1.2.3", "--1", "+1", "1-", "-", ".",
            "999999999999999999", "9999999999999999999", "99999999999999999999", "0.000000000000000001", "-123456789.123456789",
            "18446744073709551615", "1e5", " 1", "1 ", "1,5", "١٢", "0.10000000000000000000000000001",
        };
        for (var i = 0; i < 5_000; i++)
        {
            var integer = new string('0', random.Next(0, 3)) + random.NextInt64(0, (long)Math.Pow(10, random.Next(0, 19)));
            var fraction = random.Next(3) == 0 ? "" : "." + string.Concat(Enumerable.Range(0, random.Next(1, 20)).Select(_ => (char)('0' + random.Next(10))));
            texts.Add((random.Next(2) == 0 ? "-" : "") + integer + fraction);
        }

        foreach (var text in texts)
        {
            var expected = SourceValues.ParseDecimal(text, "price_usd", out var expectedError);

            var actual = SourceValues.ParseDecimal(text.AsSpan(), "price_usd", out var actualError);

            Assert.Equal(expectedError, actualError);
            Assert.True(expected.HasValue == actual.HasValue, text);
            if (expected is { } e)
            {
                Assert.True(decimal.GetBits(e).SequenceEqual(decimal.GetBits(actual!.Value)), $"{text}: {e} vs {actual}");
            }
        }
    }

    private static async Task<List<SourceBatch>> ReadAllAsync(string folder)
    {
        var source = new CsvSource(
            Microsoft.Extensions.Options.Options.Create(new CsvOptions { Path = folder }),
            new HostingEnvironment { ContentRootPath = folder },
            NullLogger<CsvSource>.Instance);
        var context = new SourceReadContext(1, new Dictionary<string, string?>(), DateTimeOffset.UnixEpoch);
        var batches = new List<SourceBatch>();
        await foreach (var batch in source.ReadAsync(context, CancellationToken.None))
        {
            batches.Add(batch);
        }

        return batches;
    }
}
