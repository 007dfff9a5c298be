using System.Net.Http.Headers;
using System.Text.Json;
using Kasparro.Api.History;
using Kasparro.Data.Entities;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Kasparro.Testing.ApiSeed;

namespace Kasparro.Api.Tests;

/// <summary>
/// <c>format=columns</c> answers the history as parallel arrays per series: the same points, values and text as the
/// default form, from the same cache, dropped with it when the asset's history changes.
/// </summary>
public sealed class HistoryColumnsTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const string AssetId = "xyz-irregular";
    private const string Tiny = "0.000000000000000001";
    private const string TwentyEightDigits = "1234567890.123456789012345678";
    private const string LargestWith28Places = "7.9228162514264337593543950335";
    private const string Hourly = $"/assets/{AssetId}/history?from=1999-12-30T00:00:00Z&to=2000-01-06T00:00:00Z&interval=1h";
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);
    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        await AddAsync(database, new Asset { Id = AssetId, Symbol = "XYZ", Name = "Irregular", CreatedAt = T0, UpdatedAt = T0 });
        // Three sources at irregular, interleaved times with nulls now and then (as in HistoryBucketTests), and a few
        // hostile decimals: the smallest a source sends, 28 significant digits, 28 decimal places.
        await ExecuteAsync($"""
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            SELECT s.source, 'xyz', timestamptz '1999-12-30Z' + make_interval(secs => (i * 1733 + s.shift * 977) % 600000 + i * 0.25),
                   '{AssetId}', 10 + i * 0.001 + s.shift, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 3 END, CASE WHEN i % 11 = 0 THEN NULL ELSE i END, false
            FROM (VALUES ('coinpaprika', 1), ('coingecko', 2), ('csv', 3)) AS s(source, shift),
                 generate_series(1, 1500) AS i;
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            VALUES ('coingecko', 'xyz', '2000-01-05T23:59:59.5Z', '{AssetId}', {Tiny}, {TwentyEightDigits}, {LargestWith28Places}, false),
                   ('csv', 'xyz', '2000-01-05T23:59:59.5Z', '{AssetId}', {TwentyEightDigits}, NULL, {Tiny}, false);
            INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, linked_at)
            SELECT source, 'xyz', '{AssetId}', 'override', 1, true, now() FROM unnest(ARRAY['coinpaprika', 'coingecko', 'csv']) AS source;
            """);
        _api = new ApiFactory(database.ConnectionString);
        _client = _api.CreateClient();
        var cache = _api.Services.GetRequiredService<HistoryCache>();
        await Poll.UntilAsync(() => Task.FromResult(cache.IsServing), Soon, "the history listener");
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Theory]
    [InlineData("raw", "2000-01-01T00:00:00Z", "2000-01-06T00:00:00Z")]
    [InlineData("5m", "1999-12-30T00:00:00Z", "2000-01-06T00:00:00Z")]
    [InlineData("1h", "1999-12-30T00:00:00Z", "2000-01-06T00:00:00Z")]
    [InlineData("1d", "1999-12-01T00:00:00Z", "2000-02-01T00:00:00Z")]
    [InlineData("auto", "1999-12-01T00:00:00Z", "2000-02-01T00:00:00Z")]
    public async Task Columns_carry_exactly_the_values_of_the_default_form(string interval, string from, string to)
    {
        var url = $"/assets/{AssetId}/history?from={from}&to={to}&interval={interval}";
        var points = await _client.GetJsonAsync(url);
        var columns = await _client.GetJsonAsync(url + "&format=columns");

        Assert.Equal(["asset_id", "from", "to", "interval", "series"], columns.EnumerateObject().Select(p => p.Name));
        foreach (var field in new[] { "asset_id", "from", "to", "interval" })
        {
            Assert.Equal(points.GetProperty(field).GetString(), columns.GetProperty(field).GetString());
        }

        var expected = points.GetProperty("series").EnumerateArray().ToList();
        var actual = columns.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(["coingecko", "coinpaprika", "csv"], actual.Select(s => s.GetProperty("source").GetString()));
        Assert.Equal(expected.Select(s => s.GetProperty("source").GetString()), actual.Select(s => s.GetProperty("source").GetString()));
        for (var s = 0; s < expected.Count; s++)
        {
            var series = actual[s];
            Assert.Equal(["source", "t", "price_usd", "market_cap_usd", "volume_24h_usd"], series.EnumerateObject().Select(p => p.Name));
            var expectedPoints = expected[s].GetProperty("points").EnumerateArray().ToList();
            Assert.True(expectedPoints.Count > 3, $"{interval}: only {expectedPoints.Count} points in {expected[s]}");
            foreach (var field in new[] { "t", "price_usd", "market_cap_usd", "volume_24h_usd" })
            {
                var column = series.GetProperty(field).EnumerateArray().ToList();
                Assert.Equal(expectedPoints.Count, column.Count);
                for (var i = 0; i < column.Count; i++)
                {
                    AssertSameValue(expectedPoints[i].GetProperty(field), column[i], $"{interval} {field}[{i}]");
                }
            }
        }
    }

    [Fact]
    public async Task Hostile_decimals_are_written_at_full_precision_as_the_default_form_writes_them()
    {
        var url = $"/assets/{AssetId}/history?from=2000-01-05T00:00:00Z&to=2000-01-06T00:00:00Z&interval=raw&format=columns";
        var columns = await _client.GetJsonAsync(url);
        var coingecko = columns.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("source").GetString() == "coingecko");
        var csv = columns.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("source").GetString() == "csv");

        Assert.Equal("2000-01-05T23:59:59.5Z", Last(coingecko, "t").GetString());
        Assert.Equal(Tiny, Last(coingecko, "price_usd").GetRawText());
        Assert.Equal(TwentyEightDigits, Last(coingecko, "market_cap_usd").GetRawText());
        Assert.Equal(LargestWith28Places, Last(coingecko, "volume_24h_usd").GetRawText());
        Assert.Equal(TwentyEightDigits, Last(csv, "price_usd").GetRawText());
        Assert.Equal(JsonValueKind.Null, Last(csv, "market_cap_usd").ValueKind);
        Assert.Equal(Tiny, Last(csv, "volume_24h_usd").GetRawText());
        Assert.Equal(decimal.Parse(Tiny, System.Globalization.CultureInfo.InvariantCulture), Last(coingecko, "price_usd").GetDecimal());
    }

    [Theory]
    [InlineData("format=xml", "format")]
    [InlineData("format=Columns", "format")]
    [InlineData("format=columns&interval=raw&from=1999-12-20T00:00:00Z&to=2000-01-06T00:00:00Z", "interval")]
    [InlineData("format=columns&interval=5m&from=1999-01-01T00:00:00Z&to=2000-01-06T00:00:00Z", "interval")]
    public async Task Bad_requests_for_columns_are_400_problems(string query, string field)
    {
        var problem = await _client.GetJsonAsync($"/assets/{AssetId}/history?{query}", 400);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {problem}");
    }

    [Fact]
    public async Task Columns_of_an_unknown_asset_are_a_404_problem()
    {
        var problem = await _client.GetJsonAsync("/assets/nope/history?interval=1h&format=columns", 404);
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task The_columns_document_is_exactly_what_the_serializer_writes_for_its_contract()
    {
        var body = await _client.GetStringAsync(Hourly + "&format=columns");
        var contract = JsonSerializer.Deserialize<Kasparro.Contracts.AssetHistoryColumns>(body, Kasparro.Contracts.ContractJson.Options)!;
        Assert.Equal(3, contract.Series.Count);
        Assert.Equal(body, JsonSerializer.Serialize(contract, Kasparro.Contracts.ContractJson.Options));
    }

    [Fact]
    public async Task Format_json_is_the_default_shape_byte_for_byte()
    {
        var plain = await _client.GetStringAsync(Hourly);
        var json = await _client.GetStringAsync(Hourly + "&format=json");
        Assert.Equal(plain, json);
        Assert.Contains("\"points\":[", plain, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Both_forms_are_cached_and_a_change_drops_both()
    {
        var columnsUrl = Hourly + "&format=columns";
        Assert.Equal(decimal.Parse(TwentyEightDigits, System.Globalization.CultureInfo.InvariantCulture), LastPrice(await _client.GetJsonAsync(Hourly), "csv"));
        Assert.Equal(TwentyEightDigits, LastColumnPrice(await _client.GetJsonAsync(columnsUrl), "csv"));

        // A quiet write (no notification) shows in neither: both were served from memory.
        await ExecuteAsync("SET session_replication_role = replica; UPDATE price_history SET price_usd = 5 WHERE source = 'csv' AND observed_at > '2000-01-05T23:00:00Z'");
        Assert.Equal(TwentyEightDigits, LastColumnPrice(await _client.GetJsonAsync(columnsUrl), "csv"));
        Assert.Equal(decimal.Parse(TwentyEightDigits, System.Globalization.CultureInfo.InvariantCulture), LastPrice(await _client.GetJsonAsync(Hourly), "csv"));

        // An ordinary write notifies: both forms are read again, and agree.
        await ExecuteAsync("INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, is_backfill) VALUES ('csv', 'xyz', '2000-01-05T23:59:59.9Z', 'xyz-irregular', 9, false)");
        await Poll.UntilAsync(async () => LastColumnPrice(await _client.GetJsonAsync(columnsUrl), "csv") == "9", Soon, "the new point in columns");
        await Poll.UntilAsync(async () => LastPrice(await _client.GetJsonAsync(Hourly), "csv") == 9m, Soon, "the new point in points");

        // Gzip and plain clients get the same columns document.
        using var request = new HttpRequestMessage(HttpMethod.Get, columnsUrl);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var compressed = await _client.SendAsync(request);
        Assert.Equal("gzip", Assert.Single(compressed.Content.Headers.ContentEncoding));
        var inflated = new MemoryStream();
        await using (var gzip = new System.IO.Compression.GZipStream(await compressed.Content.ReadAsStreamAsync(), System.IO.Compression.CompressionMode.Decompress))
        {
            await gzip.CopyToAsync(inflated);
        }

        Assert.Equal(await _client.GetStringAsync(columnsUrl), System.Text.Encoding.UTF8.GetString(inflated.ToArray()));
    }

    private static void AssertSameValue(JsonElement expected, JsonElement actual, string where)
    {
        Assert.True(expected.ValueKind == actual.ValueKind, $"{where}: {expected.ValueKind} vs {actual.ValueKind}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.String:
                Assert.Equal(expected.GetString(), actual.GetString());
                break;
            case JsonValueKind.Number:
                // As decimals (the value) and as text (the same digits the default form writes).
                Assert.Equal(expected.GetDecimal(), actual.GetDecimal());
                Assert.Equal(expected.GetRawText(), actual.GetRawText());
                break;
            case JsonValueKind.Null:
                break;
            default:
                Assert.Fail($"{where}: unexpected {expected.ValueKind}");
                break;
        }
    }

    private static JsonElement Last(JsonElement series, string field)
    {
        var column = series.GetProperty(field);
        return column[column.GetArrayLength() - 1];
    }

    private static JsonElement Series(JsonElement history, string source) =>
        history.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("source").GetString() == source);

    private static decimal LastPrice(JsonElement history, string source)
    {
        var points = Series(history, source).GetProperty("points");
        return points[points.GetArrayLength() - 1].GetProperty("price_usd").GetDecimal();
    }

    private static string LastColumnPrice(JsonElement history, string source) => Last(Series(history, source), "price_usd").GetRawText();

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
