using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kasparro.Contracts;
using Kasparro.Data;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Kasparro.Testing.ApiSeed;

namespace Kasparro.Api.Tests;

/// <summary><c>GET /data</c>: filters, pagination, decimal precision and the request id.</summary>
public sealed class DataApiTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        var records = new List<object>
        {
            Record(SourceNames.CoinGecko, "bitcoin", "BTC", 83476.12345678901m, T0, "btc-bitcoin"),
            Record(SourceNames.CoinPaprika, "btc-bitcoin", "btc", 83470m, T0.AddHours(1), "btc-bitcoin"),
            Record(SourceNames.Csv, "eth", "ETH", 1800m, T0.AddHours(2), "eth-ethereum"),
        };
        for (var i = 0; i < 57; i++)
        {
            records.Add(Record(SourceNames.CoinGecko, $"coin{i:D3}", $"C{i}", i + 1, T0.AddMinutes(i)));
        }

        await AddAsync(database, [.. records]);
        _api = new ApiFactory(database.ConnectionString);
        _client = _api.CreateClient();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Ticker_filter_is_case_insensitive()
    {
        var page = await _client.GetJsonAsync("/data?ticker=bTc");
        Assert.Equal(["coingecko_bitcoin", "coinpaprika_btc-bitcoin"], page.Ids());
        Assert.Equal(2, page.GetProperty("pagination").GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Source_asset_and_date_filters_combine()
    {
        Assert.Equal(["csv_eth"], (await _client.GetJsonAsync("/data?source=csv")).Ids());
        Assert.Equal(["coingecko_bitcoin", "coinpaprika_btc-bitcoin"], (await _client.GetJsonAsync("/data?asset_id=btc-bitcoin")).Ids());

        // Inclusive start, exclusive end, on the source timestamp.
        var window = await _client.GetJsonAsync("/data?asset_id=btc-bitcoin&start_date=2025-03-29T10:00:00Z&end_date=2025-03-29T11:00:00Z");
        Assert.Equal(["coingecko_bitcoin"], window.Ids());
        var later = await _client.GetJsonAsync("/data?start_date=2025-03-29T11:00:00Z&source=coinpaprika");
        Assert.Equal(["coinpaprika_btc-bitcoin"], later.Ids());
    }

    [Fact]
    public async Task Pages_do_not_overlap_keep_the_total_and_end_empty()
    {
        var seen = new List<string>();
        long? total = null;
        for (var offset = 0; ; offset += 25)
        {
            var page = await _client.GetJsonAsync($"/data?limit=25&offset={offset}");
            var pagination = page.GetProperty("pagination");
            total ??= pagination.GetProperty("total").GetInt64();
            Assert.Equal(total, pagination.GetProperty("total").GetInt64());
            Assert.Equal(25, pagination.GetProperty("limit").GetInt32());
            Assert.Equal(offset, pagination.GetProperty("offset").GetInt32());
            var ids = page.Ids().ToList();
            Assert.Equal(ids.Count, pagination.GetProperty("returned").GetInt32());
            if (ids.Count == 0)
            {
                break;
            }

            seen.AddRange(ids);
        }

        Assert.Equal(60, total);
        Assert.Equal(60, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.Empty((await _client.GetJsonAsync("/data?offset=1000")).Ids());
    }

    [Fact]
    public async Task Default_page_is_fifty_with_meta()
    {
        var page = await _client.GetJsonAsync("/data");
        Assert.Equal(50, page.GetProperty("data").GetArrayLength());
        var meta = page.GetProperty("meta");
        Assert.False(string.IsNullOrEmpty(meta.GetProperty("request_id").GetString()));
        Assert.True(meta.GetProperty("api_latency_ms").GetDouble() >= 0);
    }

    [Fact]
    public async Task Record_has_the_original_snake_case_shape()
    {
        var record = (await _client.GetJsonAsync("/data?ticker=eth")).GetProperty("data")[0];
        string[] expected = ["id", "asset_id", "ticker", "name", "price_usd", "market_cap_usd", "volume_24h_usd", "percent_change_24h", "source", "created_at", "ingested_at"];
        Assert.Equal(expected.Order(), record.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("2025-03-29T12:00:00Z", record.GetProperty("created_at").GetString());
        Assert.Equal("eth-ethereum", record.GetProperty("asset_id").GetString());
    }

    [Theory]
    [InlineData("0.000000012345678901234")]
    [InlineData("12345678901234.123456789")]
    [InlineData("0")]
    public async Task Prices_round_trip_at_full_precision(string price)
    {
        var value = decimal.Parse(price, CultureInfo.InvariantCulture);
        var sourceId = "precision-" + Guid.NewGuid().ToString("N")[..8];
        await AddAsync(database, Record(SourceNames.Csv, sourceId, "PRC", value, T0));

        var record = (await _client.GetJsonAsync($"/data?source=csv&ticker=PRC&limit=200"))
            .GetProperty("data").EnumerateArray().Single(r => r.GetProperty("id").GetString() == $"csv_{sourceId}");
        Assert.Equal(price, record.GetProperty("price_usd").GetRawText());
        Assert.Equal(value, record.GetProperty("price_usd").GetDecimal());
    }

    [Fact]
    public async Task Page_body_is_byte_for_byte_what_the_reflection_serializer_writes()
    {
        // The contract is what the reflection-based serializer writes with the API's JSON options (snake_case, and
        // ASP.NET Core's relaxed escaping: "Ü", "<" and "&" stay as they are): names, order, nulls, escaping, decimals
        // and times. Guards any faster way of writing the page (docs/performance.md, "API overhead").
        var odd = Record(SourceNames.Csv, "odd-one", "ODD", 0.000000012345678901234m, T0.AddMilliseconds(123.4567));
        odd.Name = "Ünïcode \"quoted\" <tag> & 'apostrophe' \u2028 end";
        odd.MarketCapUsd = null;
        odd.Volume24hUsd = null;
        odd.PercentChange24h = null;
        await AddAsync(database, odd);
        var apiOptions = _api.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var reflection = new JsonSerializerOptions(apiOptions) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

        foreach (var url in new[] { "/data?limit=200", "/data?ticker=odd", "/data?source=csv&limit=1&offset=1", "/data?ticker=none" })
        {
            var body = await _client.GetByteArrayAsync(url);
            var page = JsonSerializer.Deserialize<DataResponse>(body, reflection)!;
            Assert.Equal(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(page, reflection)), Encoding.UTF8.GetString(body));
        }
    }

    [Fact]
    public async Task Request_id_is_echoed_or_generated()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/data?limit=1");
        request.Headers.Add("X-Request-Id", "client-id-42");
        var (status, body, headers, _) = await _client.SendJsonAsync(request);
        Assert.Equal(200, status);
        Assert.Equal("client-id-42", headers.GetValues("X-Request-Id").Single());
        Assert.Equal("client-id-42", body.GetProperty("meta").GetProperty("request_id").GetString());

        var generated = await _client.GetAsync("/data?limit=1");
        var id = generated.Headers.GetValues("X-Request-Id").Single();
        Assert.Matches("^[0-9a-f]{32}$", id);

        // Errors carry it too.
        var bad = await _client.GetAsync("/data?limit=abc");
        Assert.Single(bad.Headers.GetValues("X-Request-Id"));
    }
}
