using Kasparro.Data;
using Kasparro.Data.Entities;
using static Kasparro.Testing.ApiSeed;

namespace Kasparro.Api.Tests;

/// <summary><c>GET /assets/{id}/candles</c>: OHLC candles per source from the price history, exact to the last digit.</summary>
public sealed class CandlesApiTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        await AddAsync(database, new Asset { Id = "btc", Symbol = "BTC", Name = "Bitcoin", CreatedAt = T0, UpdatedAt = T0 });
        await database.ExecuteAsync("""
            INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, linked_at)
            VALUES ('coingecko', 'bitcoin', 'btc', 'override', 1, true, now()),
                   ('coingecko', 'bitcoin-wrapped', 'btc', 'override', 1, true, now()),
                   ('coinpaprika', 'btc-bitcoin', 'btc', 'override', 1, true, now());
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            VALUES ('coingecko', 'bitcoin', '2025-03-01 10:05:00+00', 'btc', 100.5, 1, 11, false),
                   ('coingecko', 'bitcoin', '2025-03-01 10:40:00+00', 'btc', 0.000000000000000001, 2, 12, false),
                   ('coingecko', 'bitcoin-wrapped', '2025-03-01 10:01:00+00', 'btc', 99.25, 3, 13, false),
                   ('coingecko', 'bitcoin-wrapped', '2025-03-01 10:55:00+00', 'btc', 1234567890123456.789012345678, 4, NULL, false),
                   ('coingecko', 'bitcoin', '2025-03-01 11:10:00+00', 'btc', 0, 5, 15, false),
                   ('coinpaprika', 'btc-bitcoin', '2025-03-01 10:30:00+00', 'btc', 101, 6, 16, false)
            """);
        _api = new ApiFactory(database.ConnectionString);
        _client = _api.CreateClient();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Hourly_candles_merge_a_source_s_ids_exactly_and_keep_every_digit()
    {
        var answer = await _client.GetJsonAsync("/assets/btc/candles?interval=1h&from=2025-03-01T10:20:00Z&to=2025-03-01T11:30:00Z");

        Assert.Equal("btc", answer.GetProperty("asset_id").GetString());
        Assert.Equal("1h", answer.GetProperty("interval").GetString());
        Assert.Equal("2025-03-01T10:00:00Z", answer.GetProperty("from").GetString());
        Assert.Equal("2025-03-01T12:00:00Z", answer.GetProperty("to").GetString());
        var series = answer.GetProperty("series").EnumerateArray().Select(s => (s.GetProperty("source").GetString(), s.GetProperty("candles"))).ToList();
        Assert.Equal(["coingecko", "coinpaprika"], series.Select(s => s.Item1));
        Assert.Equal(
            [
                // Open from the other id's earlier point (10:01), close from the latest point (10:55, volume null), low 1e-18.
                """{"t":"2025-03-01T10:00:00Z","open":99.25,"high":1234567890123456.789012345678,"low":0.000000000000000001,"close":1234567890123456.789012345678,"volume_24h_usd":null,"points":4}""",
                """{"t":"2025-03-01T11:00:00Z","open":0,"high":0,"low":0,"close":0,"volume_24h_usd":15,"points":1}""",
            ],
            series[0].Item2.EnumerateArray().Select(c => c.GetRawText()));
        Assert.Equal(["""{"t":"2025-03-01T10:00:00Z","open":101,"high":101,"low":101,"close":101,"volume_24h_usd":16,"points":1}"""],
            series[1].Item2.EnumerateArray().Select(c => c.GetRawText()));
    }

    [Fact]
    public async Task Daily_candles_of_one_source_cover_the_whole_day()
    {
        var answer = await _client.GetJsonAsync("/assets/btc/candles?interval=1d&from=2025-03-01T12:00:00Z&to=2025-03-01T13:00:00Z&source=coingecko");

        var candle = Assert.Single(Assert.Single(answer.GetProperty("series").EnumerateArray()).GetProperty("candles").EnumerateArray());
        Assert.Equal("""{"t":"2025-03-01T00:00:00Z","open":99.25,"high":1234567890123456.789012345678,"low":0,"close":0,"volume_24h_usd":15,"points":5}""",
            candle.GetRawText());
    }

    [Fact]
    public async Task Candles_export_as_csv_one_row_per_candle()
    {
        var csv = await _client.GetStringAsync("/assets/btc/candles?interval=1h&from=2025-03-01T10:00:00Z&to=2025-03-01T11:00:00Z&format=csv");

        Assert.Equal(
            "source,t,open,high,low,close,volume_24h_usd,points\r\n"
            + "coingecko,2025-03-01T10:00:00Z,99.25,1234567890123456.789012345678,0.000000000000000001,1234567890123456.789012345678,,4\r\n"
            + "coinpaprika,2025-03-01T10:00:00Z,101,101,101,101,16,1\r\n",
            csv);
    }

    [Theory]
    [InlineData("/assets/btc/candles?interval=5m", "interval")]
    [InlineData("/assets/btc/candles?interval=1h&from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z", "to")]
    [InlineData("/assets/btc/candles?from=yesterday", "from")]
    [InlineData("/assets/btc/candles?source=binance", "source")]
    [InlineData("/assets/btc/candles?interval=1h&from=2020-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", "interval")]
    public async Task A_bad_interval_range_or_source_is_a_400_naming_the_parameter(string url, string parameter)
    {
        var problem = await _client.GetJsonAsync(url, 400);

        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.GetRawText());
    }

    [Fact]
    public async Task An_unknown_asset_is_a_404()
    {
        var problem = await _client.GetJsonAsync("/assets/nope/candles?interval=1h", 404);

        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }
}
