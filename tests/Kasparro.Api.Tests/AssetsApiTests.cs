using System.Text.Json;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Npgsql;
using static Kasparro.Testing.ApiSeed;

namespace Kasparro.Api.Tests;

/// <summary>Assets: search, detail with divergence, bucketed history and the divergence ranking.</summary>
public sealed class AssetsApiTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        await AddAsync(database,
            Asset("btc-bitcoin", "BTC", "Bitcoin", 1_656_538_234_098m),
            Asset("eth-ethereum", "ETH", "Ethereum", 200_000_000_000m),
            Asset("wbtc-wrapped-bitcoin", "WBTC", "Wrapped Bitcoin", 10_000_000_000m),
            Asset("odd-100-percent", "ODD", "Odd_Name 100%", null));
        await AddAsync(database,
            Mapping(SourceNames.CoinGecko, "bitcoin", "btc-bitcoin"),
            Mapping(SourceNames.CoinPaprika, "btc-bitcoin", "btc-bitcoin"),
            Mapping(SourceNames.Csv, "BTC", "btc-bitcoin"),
            Mapping(SourceNames.CoinGecko, "ethereum", "eth-ethereum"),
            Mapping(SourceNames.CoinPaprika, "eth-ethereum", "eth-ethereum"),
            Record(SourceNames.CoinGecko, "bitcoin", "BTC", 100m, T0, "btc-bitcoin"),
            Record(SourceNames.CoinPaprika, "btc-bitcoin", "BTC", 102m, T0, "btc-bitcoin"),
            Record(SourceNames.Csv, "BTC", "BTC", 110m, T0, "btc-bitcoin"),
            Record(SourceNames.CoinGecko, "ethereum", "ETH", 2000m, T0, "eth-ethereum"),
            Record(SourceNames.CoinPaprika, "eth-ethereum", "ETH", 2001m, T0, "eth-ethereum"));

        // Three days of 10-minute BTC points for two sources: 432 each.
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand("""
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            SELECT s.source, s.source_id, t, 'btc-bitcoin', 100 + extract(epoch FROM t - '2025-03-01Z') / 600, NULL, 5, false
            FROM (VALUES ('coingecko', 'bitcoin'), ('coinpaprika', 'btc-bitcoin')) AS s(source, source_id),
                 generate_series(timestamptz '2025-03-01Z', timestamptz '2025-03-04Z' - interval '10 minutes', interval '10 minutes') AS t
            """, connection);
        await insert.ExecuteNonQueryAsync();
        _api = new ApiFactory(database.ConnectionString);
        _client = _api.CreateClient();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Search_matches_ticker_exactly_or_name_and_orders_by_market_cap()
    {
        Assert.Equal(["btc-bitcoin", "eth-ethereum", "wbtc-wrapped-bitcoin", "odd-100-percent"], (await _client.GetJsonAsync("/assets")).Ids());
        Assert.Equal(["btc-bitcoin", "wbtc-wrapped-bitcoin"], (await _client.GetJsonAsync("/assets?q=bitcoin")).Ids());
        Assert.Equal(["btc-bitcoin"], (await _client.GetJsonAsync("/assets?q=btc")).Ids());
        // LIKE wildcards in the query are literal characters.
        Assert.Equal(["odd-100-percent"], (await _client.GetJsonAsync("/assets?q=%25")).Ids());
        Assert.Equal(["odd-100-percent"], (await _client.GetJsonAsync("/assets?q=_name")).Ids());
        Assert.Equal(["odd-100-percent"], (await _client.GetJsonAsync("/assets?q=_")).Ids());

        var btc = (await _client.GetJsonAsync("/assets?q=BTC")).GetProperty("data")[0];
        Assert.Equal(3, btc.GetProperty("source_count").GetInt32());
        Assert.Equal(1656538234098m, btc.GetProperty("market_cap_usd").GetDecimal());
    }

    [Fact]
    public async Task Detail_puts_sources_side_by_side_with_divergence_from_the_median()
    {
        var btc = await _client.GetJsonAsync("/assets/btc-bitcoin");
        Assert.Equal("BTC", btc.GetProperty("symbol").GetString());
        Assert.Equal(3, btc.GetProperty("mappings").GetArrayLength());
        Assert.Equal(["coingecko", "coinpaprika", "csv"], btc.GetProperty("latest").EnumerateArray().Select(v => v.GetProperty("source").GetString()));

        var divergence = btc.GetProperty("divergence");
        Assert.Equal(102m, divergence.GetProperty("reference_price_usd").GetDecimal());
        var perSource = divergence.GetProperty("per_source").EnumerateArray()
            .ToDictionary(p => p.GetProperty("source").GetString()!, p => p.GetProperty("divergence_pct").GetDouble());
        Assert.Equal(-1.960784, perSource["coingecko"], 6);
        Assert.Equal(0, perSource["coinpaprika"]);
        Assert.Equal(7.843137, perSource["csv"], 6);
        Assert.Equal(7.843137, divergence.GetProperty("max_divergence_pct").GetDouble(), 6);

        var odd = await _client.GetJsonAsync("/assets/odd-100-percent");
        Assert.Equal(JsonValueKind.Null, odd.GetProperty("divergence").GetProperty("reference_price_usd").ValueKind);
        await _client.GetJsonAsync("/assets/no-such-asset", expectedStatus: 404);
    }

    [Fact]
    public async Task Divergences_rank_assets_with_at_least_two_sources()
    {
        var list = await _client.GetJsonAsync("/divergences");
        Assert.Equal(["btc-bitcoin", "eth-ethereum"], list.Ids("asset_id"));
        var btc = list.GetProperty("data")[0];
        Assert.Equal(3, btc.GetProperty("source_count").GetInt32());
        Assert.Equal(100m, btc.GetProperty("min_price_usd").GetDecimal());
        Assert.Equal(110m, btc.GetProperty("max_price_usd").GetDecimal());
        Assert.Equal(10.0, btc.GetProperty("divergence_pct").GetDouble(), 9);
        Assert.Single((await _client.GetJsonAsync("/divergences?limit=1")).Ids("asset_id"));
    }

    [Fact]
    public async Task History_is_raw_for_short_ranges_and_last_value_per_bucket_for_long_ones()
    {
        var raw = await _client.GetJsonAsync("/assets/btc-bitcoin/history?from=2025-03-01T00:00:00Z&to=2025-03-01T01:00:00Z");
        Assert.Equal("raw", raw.GetProperty("interval").GetString());
        Assert.Equal(["coingecko", "coinpaprika"], raw.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("source").GetString()));
        var points = raw.GetProperty("series")[0].GetProperty("points");
        Assert.Equal(6, points.GetArrayLength());
        Assert.Equal("2025-03-01T00:00:00Z", points[0].GetProperty("t").GetString());
        Assert.Equal(100m, points[0].GetProperty("price_usd").GetDecimal());

        var hourly = await _client.GetJsonAsync("/assets/btc-bitcoin/history?from=2025-03-01T00:00:00Z&to=2025-03-04T00:00:00Z");
        Assert.Equal("1h", hourly.GetProperty("interval").GetString());
        var buckets = hourly.GetProperty("series")[0].GetProperty("points");
        Assert.Equal(72, buckets.GetArrayLength());
        // The last observation of the first hour is 00:50, the 6th point: price 105.
        Assert.Equal("2025-03-01T00:00:00Z", buckets[0].GetProperty("t").GetString());
        Assert.Equal(105m, buckets[0].GetProperty("price_usd").GetDecimal());

        var daily = await _client.GetJsonAsync("/assets/btc-bitcoin/history?from=2025-02-01T00:00:00Z&to=2025-06-01T00:00:00Z");
        Assert.Equal("1d", daily.GetProperty("interval").GetString());
        Assert.Equal(3, daily.GetProperty("series")[0].GetProperty("points").GetArrayLength());

        var fiveMinutes = await _client.GetJsonAsync("/assets/btc-bitcoin/history?from=2025-03-01T00:00:00Z&to=2025-03-01T01:00:00Z&interval=5m");
        Assert.Equal(6, fiveMinutes.GetProperty("series")[0].GetProperty("points").GetArrayLength());

        var defaultRange = await _client.GetJsonAsync("/assets/btc-bitcoin/history");
        var from = DateTimeOffset.Parse(defaultRange.GetProperty("from").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var to = DateTimeOffset.Parse(defaultRange.GetProperty("to").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        // The last week in whole hours: both ends on the hour, the range a week (plus the current, partial hour).
        Assert.Equal((0, 0, 0), (from.Minute, from.Second, from.Millisecond));
        Assert.Equal((0, 0, 0), (to.Minute, to.Second, to.Millisecond));
        Assert.InRange(to - from, TimeSpan.FromDays(7), TimeSpan.FromDays(7) + TimeSpan.FromHours(1));
        Assert.InRange(to - DateTimeOffset.UtcNow, TimeSpan.Zero, TimeSpan.FromHours(1));
        await _client.GetJsonAsync("/assets/nope/history", expectedStatus: 404);
    }

    [Theory]
    [InlineData("interval=raw&from=2025-01-01T00:00:00Z&to=2025-03-01T00:00:00Z", "interval")]
    [InlineData("interval=5m&from=2020-01-01T00:00:00Z&to=2025-03-01T00:00:00Z", "interval")]
    [InlineData("interval=2h", "interval")]
    [InlineData("from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z", "to")]
    [InlineData("from=yesterday", "from")]
    public async Task History_refuses_ranges_it_cannot_serve_well(string query, string parameter)
    {
        var problem = await _client.GetJsonAsync($"/assets/btc-bitcoin/history?{query}", expectedStatus: 400);
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.GetRawText());
    }

    private static Asset Asset(string id, string symbol, string name, decimal? marketCap) =>
        new() { Id = id, Symbol = symbol, Name = name, MarketCapUsd = marketCap, CreatedAt = T0, UpdatedAt = T0 };

    private static AssetMapping Mapping(string source, string sourceId, string assetId) =>
        new() { Source = source, SourceId = sourceId, AssetId = assetId, Rule = MappingRules.SymbolAndName, Confidence = 0.95m, LinkedAt = T0 };
}
