using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CsvHelper;
using Kasparro.Data;
using Kasparro.Data.Entities;
using static Kasparro.Testing.ApiSeed;

namespace Kasparro.Api.Tests.Exports;

/// <summary>
/// CSV exports of <c>/data</c>, <c>/assets/{id}/history</c>, <c>/runs</c>, <c>/quarantine</c> and <c>/drift</c>: parsed back, every
/// cell equals the JSON of the same request (neutralised text aside, which is checked against its own rule).
/// </summary>
public sealed partial class CsvExportTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    /// <summary>Text no spreadsheet should run, text that breaks naive CSV, and text that only looks dangerous.</summary>
    private static readonly string[] Awkward =
    [
        "=HYPERLINK(\"http://evil\",\"click\")", "+cmd|' /C calc'!A0", "-1.5", "@SUM(A1)", "\tTabbed", "\rCarriage",
        "comma, \"quote\" and\nnewline", " padded ", "€ and é", "-0.0001",
    ];

    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        var records = new List<object>();
        for (var i = 0; i < Awkward.Length; i++)
        {
            var record = Record(SourceNames.CoinGecko, $"coin{i:D2}", $"C{i}", 0.000000000000000000000000001m * (i + 1), T0.AddTicks(i * 1_234_567));
            record.Name = Awkward[i];
            record.MarketCapUsd = i % 2 == 0 ? null : 79228162514264337593543950335m;
            record.PercentChange24h = -1.50m - i;
            records.Add(record);
            records.Add(new QuarantinedRecord
            {
                Source = SourceNames.Csv, RunId = i % 2 == 0 ? null : i, SourceId = i % 3 == 0 ? null : $"row{i}", Location = $"prices.csv:{i + 2}",
                Reason = "missing required field price_usd", RawContent = Awkward[i], QuarantinedAt = T0.AddSeconds(i).AddTicks(7),
            });
            var run = Run(i % 2 == 0 ? SourceNames.CoinPaprika : SourceNames.Csv, i % 3 == 0 ? EtlRunStatus.Failed : EtlRunStatus.Success, T0.AddMinutes(i), fetched: 100 + i);
            run.ErrorMessage = i % 3 == 0 ? Awkward[i] : null;
            records.Add(run);
            records.Add(new SchemaDriftEvent
            {
                Source = SourceNames.CoinGecko, Field = Awkward[i], Kind = i % 2 == 0 ? DriftKinds.Unknown : DriftKinds.Renamed, Severity = "info",
                Suggestion = i % 2 == 0 ? null : "current_price", Confidence = i % 2 == 0 ? null : 0.875m, FirstSeen = T0, LastSeen = T0.AddMinutes(i).AddTicks(3),
                Count = i + 1, FirstRunId = i % 2 == 0 ? null : i, LastRunId = i,
            });
        }

        records.Add(new Asset { Id = "btc-bitcoin", Symbol = "BTC", Name = "Bitcoin", CreatedAt = T0, UpdatedAt = T0 });
        await AddAsync(database, [.. records]);
        await AddAsync(database,
            new AssetMapping { Source = SourceNames.CoinGecko, SourceId = "bitcoin", AssetId = "btc-bitcoin", Rule = MappingRules.SymbolAndName, LinkedAt = T0 },
            new AssetMapping { Source = SourceNames.CoinPaprika, SourceId = "btc-bitcoin", AssetId = "btc-bitcoin", Rule = MappingRules.SymbolAndName, LinkedAt = T0 });
        // Two days of 7-minute points per source (several per hour, so buckets keep the last), odd microseconds and decimals.
        await database.ExecuteAsync("""
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            SELECT s.source, s.source_id, t, 'btc-bitcoin', 83000.123456789012345 + n * 0.000001, CASE WHEN n % 5 = 0 THEN NULL ELSE 1656538234098.5 END, n * 10, false
            FROM (VALUES ('coingecko', 'bitcoin'), ('coinpaprika', 'btc-bitcoin')) AS s(source, source_id),
                 generate_series(0, 411) AS n,
                 LATERAL (SELECT timestamptz '2025-03-01Z' + n * interval '7 minutes 0.000123 seconds') AS x(t)
            """);
        // Alerts, open and resolved, with subjects a spreadsheet would run (the reset leaves alert tables alone).
        await database.ExecuteAsync("TRUNCATE alert_rules, alerts, alert_deliveries RESTART IDENTITY CASCADE");
        await using (var connection = new Npgsql.NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new Npgsql.NpgsqlCommand("""
            INSERT INTO alert_rules (kind, threshold_pct, cooldown, origin, created_at) VALUES ('divergence', 2.5, interval '1 hour', 'api', timestamptz '2025-03-01Z');
            INSERT INTO alerts (rule_id, subject, state, opened_at, resolved_at, last_notified_at, details)
            SELECT 1, s.subject, CASE WHEN s.n % 2 = 0 THEN 'open' ELSE 'resolved' END, timestamptz '2025-03-01Z' + s.n * interval '1 minute 0.000007 seconds',
                   CASE WHEN s.n % 2 = 0 THEN NULL ELSE timestamptz '2025-03-02Z' + s.n * interval '1 minute' END, NULL, '{"spread_pct": 3.1}'
            FROM unnest(@subjects) WITH ORDINALITY AS s(subject, n)
            """, connection);
            insert.Parameters.AddWithValue("subjects", Awkward);
            await insert.ExecuteNonQueryAsync();
        }

        _api = new ApiFactory(database.ConnectionString);
        _client = _api.CreateClient();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Theory]
    [InlineData("/data?limit=200", "/data?format=csv")]
    [InlineData("/data?limit=3&offset=2&source=coingecko", "/data?limit=3&offset=2&source=coingecko&format=csv")]
    [InlineData("/runs?limit=200", "/runs?format=csv")]
    [InlineData("/runs?limit=4&offset=1&source=csv", "/runs?limit=4&offset=1&source=csv&format=csv")]
    [InlineData("/quarantine?limit=200", "/quarantine?format=csv")]
    [InlineData("/quarantine?limit=2&offset=3", "/quarantine?limit=2&offset=3&format=csv")]
    [InlineData("/drift?limit=200", "/drift?format=csv")]
    [InlineData("/drift?limit=3&kind=renamed", "/drift?limit=3&kind=renamed&format=csv")]
    [InlineData("/alerts?state=open&limit=200", "/alerts?state=open&format=csv")]
    [InlineData("/alerts?state=resolved&limit=2&offset=1", "/alerts?state=resolved&limit=2&offset=1&format=csv")]
    public async Task A_listing_exported_as_csv_holds_exactly_the_json_items(string jsonUrl, string csvUrl)
    {
        var items = (await _client.GetJsonAsync(jsonUrl)).GetProperty("data").EnumerateArray().ToList();
        Assert.NotEmpty(items);
        var (header, rows) = await GetCsvAsync(csvUrl);
        AssertSameItems(items, header, rows);
    }

    [Theory]
    [InlineData("interval=raw")]
    [InlineData("interval=1h")]
    [InlineData("interval=1d")]
    [InlineData("interval=5m")]
    public async Task History_exported_as_csv_is_one_row_per_point_of_the_json_series(string interval)
    {
        var range = $"from=2025-03-01T00:00:00Z&to=2025-03-03T00:00:00Z&{interval}";
        var history = await _client.GetJsonAsync($"/assets/btc-bitcoin/history?{range}");
        var points = new List<JsonElement>();
        foreach (var series in history.GetProperty("series").EnumerateArray())
        {
            foreach (var point in series.GetProperty("points").EnumerateArray())
            {
                // The flattened row: the series' source, then the point's fields.
                var row = new Dictionary<string, JsonElement> { ["source"] = series.GetProperty("source") };
                foreach (var field in point.EnumerateObject())
                {
                    row[field.Name] = field.Value;
                }

                points.Add(JsonSerializer.SerializeToElement(row));
            }
        }

        Assert.True(points.Count >= 4, $"{points.Count} points");
        var (header, rows) = await GetCsvAsync($"/assets/btc-bitcoin/history?{range}&format=csv");
        Assert.Equal(["source", "t", "price_usd", "market_cap_usd", "volume_24h_usd"], header);
        AssertSameItems(points, header, rows);
    }

    [Theory]
    [InlineData("interval=1h&basis=rebased")]
    [InlineData("interval=1d&basis=pct&source=coinpaprika")]
    public async Task An_asset_comparison_exported_as_csv_is_one_row_per_point_of_the_json_series(string options)
    {
        var url = $"/compare/assets?ids=btc-bitcoin&from=2025-03-01T00:00:00Z&to=2025-03-03T00:00:00Z&{options}";
        var comparison = await _client.GetJsonAsync(url);
        var points = new List<JsonElement>();
        foreach (var asset in comparison.GetProperty("assets").EnumerateArray())
        {
            foreach (var point in asset.GetProperty("points").EnumerateArray())
            {
                points.Add(JsonSerializer.SerializeToElement(new Dictionary<string, JsonElement>
                {
                    ["asset_id"] = asset.GetProperty("asset_id"), ["source"] = asset.GetProperty("source"),
                    ["t"] = point.GetProperty("t"), ["value"] = point.GetProperty("value"),
                }));
            }
        }

        Assert.True(points.Count >= 2, $"{points.Count} points");
        var (header, rows) = await GetCsvAsync(url + "&format=csv");
        Assert.Equal(["asset_id", "source", "t", "value"], header);
        AssertSameItems(points, header, rows);
    }

    [Fact]
    public async Task The_file_is_rfc_4180_utf8_without_a_bom_offered_as_a_download()
    {
        var response = await _client.GetAsync("/quarantine?format=csv");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("quarantine.csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.False(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble), "no byte order mark");
        var text = Encoding.UTF8.GetString(bytes);
        Assert.StartsWith("id,source,run_id,source_id,location,reason,raw_content,quarantined_at\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        // A field with a quote, comma or line break is quoted with doubled quotes; the formula gets its quote inside.
        Assert.Contains(",\"comma, \"\"quote\"\" and\nnewline\",", text, StringComparison.Ordinal);
        Assert.Contains(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\",", text, StringComparison.Ordinal);
        Assert.Contains(",-1.5,", text, StringComparison.Ordinal);
        Assert.Contains(",€ and é,", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accept_text_csv_asks_for_csv_and_format_json_overrides_it()
    {
        using var csv = new HttpRequestMessage(HttpMethod.Get, "/runs");
        csv.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var response = await _client.SendAsync(csv);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Awkward.Length + 1, ParseCsv(await response.Content.ReadAsStringAsync()).Rows.Count + 1);

        using var preferJson = new HttpRequestMessage(HttpMethod.Get, "/runs");
        preferJson.Headers.Accept.ParseAdd("text/csv;q=0.5, application/json");
        Assert.Equal("application/json", (await _client.SendAsync(preferJson)).Content.Headers.ContentType?.MediaType);

        using var forced = new HttpRequestMessage(HttpMethod.Get, "/runs?format=json");
        forced.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        Assert.Equal("application/json", (await _client.SendAsync(forced)).Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/data?format=xml", "format")]
    [InlineData("/data?format=csv&limit=0", "limit")]
    [InlineData("/runs?format=csv&status=nope", "status")]
    [InlineData("/quarantine?format=CSV", "format")]
    [InlineData("/assets/btc-bitcoin/history?format=csv&interval=2h", "interval")]
    public async Task Bad_input_is_still_a_json_problem(string url, string parameter)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var (status, body, _, contentType) = await _client.SendJsonAsync(request);
        Assert.Equal(400, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.True(body.GetProperty("errors").TryGetProperty(parameter, out _), body.GetRawText());
    }

    [Fact]
    public async Task An_unknown_asset_is_a_404_problem_not_an_empty_file()
    {
        var problem = await _client.GetJsonAsync("/assets/nope/history?format=csv", expectedStatus: 404);
        Assert.Contains("nope", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_history_export_is_not_bound_by_the_json_range_limits()
    {
        // raw JSON covers at most 7 days; the export streams, so a longer raw range is fine.
        await _client.GetJsonAsync("/assets/btc-bitcoin/history?from=2025-02-01T00:00:00Z&to=2025-03-04T00:00:00Z&interval=raw", expectedStatus: 400);
        var (_, rows) = await GetCsvAsync("/assets/btc-bitcoin/history?from=2025-02-01T00:00:00Z&to=2025-03-04T00:00:00Z&interval=raw&format=csv");
        Assert.Equal(2 * 412, rows.Count);
    }

    private async Task<(string[] Header, List<string[]> Rows)> GetCsvAsync(string url)
    {
        var response = await _client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {body}");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        return ParseCsv(body);
    }

    private static (string[] Header, List<string[]> Rows) ParseCsv(string body)
    {
        using var csv = new CsvReader(new StringReader(body), CultureInfo.InvariantCulture);
        csv.Read();
        csv.ReadHeader();
        var header = csv.HeaderRecord!;
        var rows = new List<string[]>();
        while (csv.Read())
        {
            rows.Add(csv.Parser.Record!);
        }

        return (header, rows);
    }

    private static void AssertSameItems(List<JsonElement> items, string[] header, List<string[]> rows)
    {
        // The header is the JSON field names, in JSON order, of every scalar field.
        var scalarFields = items[0].EnumerateObject().Where(p => p.Value.ValueKind is not JsonValueKind.Object and not JsonValueKind.Array).Select(p => p.Name);
        Assert.Equal(scalarFields, header);
        Assert.Equal(items.Count, rows.Count);
        for (var i = 0; i < items.Count; i++)
        {
            Assert.Equal(header.Length, rows[i].Length);
            for (var j = 0; j < header.Length; j++)
            {
                Assert.True(Expected(items[i].GetProperty(header[j])) == rows[i][j],
                    $"row {i} {header[j]}: JSON {items[i].GetProperty(header[j]).GetRawText()}, CSV [{rows[i][j]}]");
            }
        }
    }

    /// <summary>The cell a JSON value should become: numbers as written, text neutralised when a spreadsheet would evaluate it.</summary>
    private static string Expected(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.String when value.GetString() is [('=' or '+' or '-' or '@' or '\t' or '\r'), ..] text && !PlainNumber().IsMatch(text) => "'" + text,
        JsonValueKind.String => value.GetString()!,
        _ => throw new InvalidOperationException(value.GetRawText()),
    };

    [GeneratedRegex(@"\A[+-]?[0-9]+(\.[0-9]+)?\z")]
    private static partial Regex PlainNumber();
}
