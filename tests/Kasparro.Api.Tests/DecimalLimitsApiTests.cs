using System.Text.Json;
using Npgsql;

namespace Kasparro.Api.Tests;

/// <summary>
/// The largest decimals come back through the API digit for digit; a stored number that does not fit a decimal
/// (possible only with the fits-decimal constraints dropped) answers a 502 problem that says so, never a 500.
/// </summary>
public sealed class DecimalLimitsApiTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const string Largest = "79228162514264337593543950335";
    private const string LargestNegative = "-79228162514264337593543950335";
    private const string LargestWith28Places = "7.9228162514264337593543950335";
    private const string Smallest = "0.0000000000000000000000000001";
    private const string History = "/assets/{0}/history?from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z&interval=raw";
    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        await SeedAsync("max-coin", "MAX", Largest, Largest, LargestWith28Places, LargestNegative);
        await SeedAsync("tiny-coin", "TINY", Smallest, LargestWith28Places, LargestNegative, Smallest);
        // No history cache: each request below reads the rows as they are now, not a response kept from an earlier test.
        _api = new ApiFactory(database.ConnectionString, new Dictionary<string, string> { ["HistoryCache:SizeLimitMegabytes"] = "0" });
        _client = _api.CreateClient();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task The_largest_decimals_come_back_digit_for_digit_from_data_assets_and_history()
    {
        var max = (await _client.GetJsonAsync("/data?asset_id=max-coin")).GetProperty("data")[0];
        Assert.Equal([Largest, Largest, LargestWith28Places, LargestNegative], Numbers(max, "price_usd", "market_cap_usd", "volume_24h_usd", "percent_change_24h"));
        var tiny = (await _client.GetJsonAsync("/data?asset_id=tiny-coin")).GetProperty("data")[0];
        Assert.Equal([Smallest, LargestWith28Places, LargestNegative, Smallest], Numbers(tiny, "price_usd", "market_cap_usd", "volume_24h_usd", "percent_change_24h"));

        var asset = await _client.GetJsonAsync("/assets/max-coin");
        Assert.Equal([Largest], Numbers(asset, "market_cap_usd"));
        Assert.Equal([Largest, Largest, LargestWith28Places, LargestNegative],
            Numbers(asset.GetProperty("latest")[0], "price_usd", "market_cap_usd", "volume_24h_usd", "percent_change_24h"));
        Assert.Contains(Largest, Numbers((await _client.GetJsonAsync("/assets?q=MAX")).GetProperty("data")[0], "market_cap_usd"));

        var point = (await _client.GetJsonAsync(string.Format(History, "max-coin"))).GetProperty("series")[0].GetProperty("points")[0];
        Assert.Equal([Largest, Largest, LargestWith28Places], Numbers(point, "price_usd", "market_cap_usd", "volume_24h_usd"));
        var tinyPoint = (await _client.GetJsonAsync(string.Format(History, "tiny-coin"))).GetProperty("series")[0].GetProperty("points")[0];
        Assert.Equal([Smallest, LargestWith28Places, LargestNegative], Numbers(tinyPoint, "price_usd", "market_cap_usd", "volume_24h_usd"));
    }

    [Theory]
    [InlineData("1e40")]
    [InlineData("0.00000000000000000000000000000000000001")]
    [InlineData("79228162514264337593543950335.0")]
    [InlineData("NaN")]
    public async Task A_stored_number_past_the_constraints_answers_a_502_problem_on_every_endpoint_that_reads_it(string value)
    {
        await ExecuteAsync($"""
            ALTER TABLE price_points DROP CONSTRAINT IF EXISTS ck_price_history_values_fit_decimal;
            ALTER TABLE normalized_records DROP CONSTRAINT IF EXISTS ck_normalized_records_values_fit_decimal;
            ALTER TABLE assets DROP CONSTRAINT IF EXISTS ck_assets_values_fit_decimal;
            UPDATE price_history SET price_usd = '{value}' WHERE source_id = 'max-coin';
            UPDATE normalized_records SET price_usd = '{value}' WHERE asset_id = 'max-coin';
            UPDATE assets SET market_cap_usd = '{value}' WHERE id = 'max-coin';
            """);

        foreach (var url in new[] { "/data", "/data?asset_id=max-coin", "/assets", "/assets/max-coin", string.Format(History, "max-coin") })
        {
            var response = await _client.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == 502, $"GET {url}: expected 502, got {(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("The database holds a number the API cannot represent", JsonDocument.Parse(body).RootElement.GetProperty("title").GetString());
        }

        // Another asset's values are read as before.
        Assert.Equal([Smallest], Numbers((await _client.GetJsonAsync("/data?asset_id=tiny-coin")).GetProperty("data")[0], "price_usd"));
    }

    /// <summary>The numbers' JSON text: exactly the digits sent, not a parsed (and maybe rounded) value.</summary>
    private static string[] Numbers(JsonElement element, params string[] properties) =>
        properties.Select(p => element.GetProperty(p).GetRawText()).ToArray();

    /// <summary>One asset with its latest record and one history point, written as SQL text so no client rounding is involved.</summary>
    private Task SeedAsync(string id, string symbol, string price, string marketCap, string volume, string change) => ExecuteAsync($"""
        INSERT INTO assets (id, symbol, name, market_cap_usd, created_at, updated_at) VALUES ('{id}', '{symbol}', '{symbol} coin', {marketCap}, now(), now());
        INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, linked_at) VALUES ('csv', '{id}', '{id}', 'override', 1, true, now());
        INSERT INTO normalized_records (id, source, source_id, asset_id, ticker, name, price_usd, market_cap_usd, volume_24h_usd, percent_change_24h, created_at, ingested_at)
        VALUES ('csv_{id}', 'csv', '{id}', '{id}', '{symbol}', '{symbol} coin', {price}, {marketCap}, {volume}, {change}, '2025-03-01T10:00:00Z', now());
        INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
        VALUES ('csv', '{id}', '2025-03-01T10:00:00Z', '{id}', {price}, {marketCap}, {volume}, false);
        """);

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
