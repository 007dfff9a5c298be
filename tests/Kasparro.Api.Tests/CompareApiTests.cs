using System.Globalization;
using System.Text;
using System.Text.Json;
using Kasparro.Data;
using Kasparro.Data.Entities;
using static Kasparro.Testing.ApiSeed;

namespace Kasparro.Api.Tests;

/// <summary>
/// <c>GET /compare/assets</c> against values computed here, independently, from the seeded points: rebasing, the
/// chosen source, range return, volatility, drawdown and the correlation over shared timestamps.
/// </summary>
public sealed class CompareApiTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTime Start = new(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    private const string Range = "from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z&interval=1h";

    // Hour -> price of each series (the hours a series lacks are missing points).
    private static readonly Dictionary<int, decimal> BtcCoinGecko = Hours(4, 23).ToDictionary(h => h, h => Price(100 + 10 * Math.Sin(h) + h));
    private static readonly Dictionary<int, decimal> BtcCoinPaprika = Hours(10, 23).ToDictionary(h => h, h => Price(101 + h));
    // Longer than CoinGecko's, but its last point is three hours before the newest: stale, so not preferred.
    private static readonly Dictionary<int, decimal> BtcCsv = Hours(0, 20).ToDictionary(h => h, h => Price(99 + 2 * h));
    private static readonly Dictionary<int, decimal> Eth = Hours(4, 23).Where(h => h is not 7 and not 13).ToDictionary(h => h, h => Price(50 + 5 * Math.Cos(h * 0.7) + h * 0.5));
    private static readonly Dictionary<int, decimal> Flat = Hours(4, 23).ToDictionary(h => h, _ => 42m);

    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        await AddAsync(database, Asset("btc-bitcoin", "BTC", "Bitcoin"), Asset("eth-ethereum", "ETH", "Ethereum"), Asset("flat-coin", "FLAT", "Flat"));
        await AddAsync(database,
            Mapping(SourceNames.CoinGecko, "bitcoin", "btc-bitcoin"), Mapping(SourceNames.CoinPaprika, "btc-bitcoin", "btc-bitcoin"),
            Mapping(SourceNames.Csv, "BTC", "btc-bitcoin"), Mapping(SourceNames.CoinGecko, "ethereum", "eth-ethereum"),
            Mapping(SourceNames.CoinGecko, "flat", "flat-coin"));
        var sql = new StringBuilder("INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, is_backfill) VALUES ");
        void Add(string source, string sourceId, string assetId, Dictionary<int, decimal> points)
        {
            foreach (var (hour, price) in points)
            {
                // Two observations in the hour: the later one is the bucket's, the earlier one a decoy.
                sql.Append(CultureInfo.InvariantCulture, $"('{source}', '{sourceId}', '{Start.AddHours(hour).AddMinutes(10):O}', '{assetId}', {price * 3}, false),");
                sql.Append(CultureInfo.InvariantCulture, $"('{source}', '{sourceId}', '{Start.AddHours(hour).AddMinutes(50):O}', '{assetId}', {price}, false),");
            }
        }

        Add(SourceNames.CoinGecko, "bitcoin", "btc-bitcoin", BtcCoinGecko);
        Add(SourceNames.CoinPaprika, "btc-bitcoin", "btc-bitcoin", BtcCoinPaprika);
        Add(SourceNames.Csv, "BTC", "btc-bitcoin", BtcCsv);
        Add(SourceNames.CoinGecko, "ethereum", "eth-ethereum", Eth);
        Add(SourceNames.CoinGecko, "flat", "flat-coin", Flat);
        await database.ExecuteAsync(sql.ToString().TrimEnd(','));
        _api = new ApiFactory(database.ConnectionString);
        _client = _api.CreateClient();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Each_series_is_rebased_to_100_at_its_first_point_from_the_longest_fresh_source()
    {
        var comparison = await _client.GetJsonAsync($"/compare/assets?ids=btc-bitcoin,eth-ethereum&{Range}");
        Assert.Equal("1h", comparison.GetProperty("interval").GetString());
        Assert.Equal("rebased", comparison.GetProperty("basis").GetString());
        var btc = comparison.GetProperty("assets")[0];
        Assert.Equal("btc-bitcoin", btc.GetProperty("asset_id").GetString());
        Assert.Equal("BTC", btc.GetProperty("symbol").GetString());
        Assert.Equal("coingecko", btc.GetProperty("source").GetString());
        Assert.Equal(BtcCoinGecko[4], btc.GetProperty("base_price_usd").GetDecimal());
        Assert.Equal("2025-03-01T04:00:00Z", btc.GetProperty("base_t").GetString());
        AssertPoints(BtcCoinGecko, p => (double)p / (double)BtcCoinGecko[4] * 100, btc);
        Assert.Equal("eth-ethereum", comparison.GetProperty("assets")[1].GetProperty("asset_id").GetString());
        AssertPoints(Eth, p => (double)p / (double)Eth[4] * 100, comparison.GetProperty("assets")[1]);
    }

    [Fact]
    public async Task Pct_basis_is_the_change_from_the_first_point_and_source_picks_the_series()
    {
        var comparison = await _client.GetJsonAsync($"/compare/assets?ids=btc-bitcoin&{Range}&basis=pct&source=coinpaprika");
        var btc = comparison.GetProperty("assets")[0];
        Assert.Equal("coinpaprika", btc.GetProperty("source").GetString());
        AssertPoints(BtcCoinPaprika, p => ((double)p / (double)BtcCoinPaprika[10] - 1) * 100, btc);
    }

    [Fact]
    public async Task Statistics_match_values_computed_from_the_seeded_points()
    {
        var comparison = await _client.GetJsonAsync($"/compare/assets?ids=btc-bitcoin,eth-ethereum,flat-coin&{Range}");
        var assets = comparison.GetProperty("assets");
        foreach (var (index, points) in new[] { (0, BtcCoinGecko), (1, Eth) })
        {
            var prices = points.OrderBy(p => p.Key).Select(p => (double)p.Value).ToArray();
            var returns = Enumerable.Range(1, prices.Length - 1).Select(i => (prices[i] / prices[i - 1] - 1) * 100).ToArray();
            var mean = returns.Sum() / returns.Length;
            var expectedVolatility = Math.Sqrt((returns.Sum(r => r * r) - returns.Length * mean * mean) / (returns.Length - 1));
            // Every (peak, later trough) pair, by brute force.
            var expectedDrawdown = Enumerable.Range(0, prices.Length).SelectMany(i => prices.Skip(i).Select(later => (1 - later / prices[i]) * 100)).Max();
            var asset = assets[index];
            Assert.Equal((prices[^1] / prices[0] - 1) * 100, asset.GetProperty("range_return_pct").GetDouble(), 9);
            Assert.Equal(expectedVolatility, asset.GetProperty("volatility_pct").GetDouble(), 9);
            Assert.Equal(expectedDrawdown, asset.GetProperty("max_drawdown_pct").GetDouble(), 9);
        }

        var flat = assets[2];
        Assert.Equal(0, flat.GetProperty("range_return_pct").GetDouble());
        Assert.Equal(0, flat.GetProperty("volatility_pct").GetDouble());
        Assert.Equal(0, flat.GetProperty("max_drawdown_pct").GetDouble());
    }

    [Fact]
    public async Task Correlation_is_pearson_of_returns_over_the_shared_timestamps()
    {
        var comparison = await _client.GetJsonAsync($"/compare/assets?ids=btc-bitcoin,eth-ethereum,flat-coin&{Range}");
        var correlation = comparison.GetProperty("correlation");
        Assert.Equal(["btc-bitcoin", "eth-ethereum", "flat-coin"], correlation.GetProperty("asset_ids").EnumerateArray().Select(e => e.GetString()));
        var matrix = correlation.GetProperty("matrix");

        // ETH lacks hours 7 and 13: the returns are between the hours both have.
        var shared = BtcCoinGecko.Keys.Intersect(Eth.Keys).Order().ToArray();
        var x = Returns(shared.Select(h => (double)BtcCoinGecko[h]).ToArray());
        var y = Returns(shared.Select(h => (double)Eth[h]).ToArray());
        double n = x.Length, sx = x.Sum(), sy = y.Sum(), sxy = x.Zip(y, (a, b) => a * b).Sum(), sxx = x.Sum(a => a * a), syy = y.Sum(b => b * b);
        var expected = (n * sxy - sx * sy) / Math.Sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
        Assert.InRange(Math.Abs(expected), 0.01, 0.99);
        Assert.Equal(expected, matrix[0][1].GetDouble(), 9);
        Assert.Equal(expected, matrix[1][0].GetDouble(), 9);
        Assert.Equal(1, matrix[0][0].GetDouble(), 12);
        Assert.Equal(1, matrix[1][1].GetDouble(), 12);
        // A price that never moves has no correlation with anything, itself included.
        Assert.Equal(JsonValueKind.Null, matrix[0][2].ValueKind);
        Assert.Equal(JsonValueKind.Null, matrix[2][2].ValueKind);
    }

    [Theory]
    [InlineData("", "ids")]
    [InlineData("ids=", "ids")]
    [InlineData("ids=btc-bitcoin,,eth-ethereum", "ids")]
    [InlineData("ids=btc-bitcoin,btc-bitcoin", "ids")]
    [InlineData("ids=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u", "ids")]
    [InlineData("ids=btc-bitcoin&interval=raw", "interval")]
    [InlineData("ids=btc-bitcoin&interval=5m", "interval")]
    [InlineData("ids=btc-bitcoin&basis=log", "basis")]
    [InlineData("ids=btc-bitcoin&source=coingecko-history", "source")]
    [InlineData("ids=btc-bitcoin&from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z", "to")]
    [InlineData("ids=btc-bitcoin&from=1990-01-01T00:00:00Z&to=2025-01-01T00:00:00Z&interval=1h", "interval")]
    public async Task Bad_input_is_a_400_naming_the_parameter(string query, string parameter)
    {
        var problem = await _client.GetJsonAsync($"/compare/assets?{query}", expectedStatus: 400);
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.GetRawText());
    }

    [Fact]
    public async Task Unknown_ids_are_a_404_naming_each_of_them()
    {
        var problem = await _client.GetJsonAsync($"/compare/assets?ids=btc-bitcoin,nope-1,nope-2&{Range}", expectedStatus: 404);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("'nope-1'", detail, StringComparison.Ordinal);
        Assert.Contains("'nope-2'", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("btc-bitcoin", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_asset_without_points_in_the_range_has_an_empty_series_and_no_statistics()
    {
        var comparison = await _client.GetJsonAsync("/compare/assets?ids=btc-bitcoin,eth-ethereum&from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z");
        var btc = comparison.GetProperty("assets")[0];
        Assert.Equal(0, btc.GetProperty("points").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, btc.GetProperty("source").ValueKind);
        Assert.Equal(JsonValueKind.Null, btc.GetProperty("volatility_pct").ValueKind);
        Assert.Equal(JsonValueKind.Null, comparison.GetProperty("correlation").GetProperty("matrix")[0][1].ValueKind);
    }

    private static void AssertPoints(Dictionary<int, decimal> seeded, Func<decimal, double> expected, JsonElement asset)
    {
        var points = asset.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(seeded.Count, points.Count);
        foreach (var (point, hour) in points.Zip(seeded.Keys.Order()))
        {
            Assert.Equal(Start.AddHours(hour), point.GetProperty("t").GetDateTime().ToUniversalTime());
            Assert.Equal(expected(seeded[hour]), point.GetProperty("value").GetDouble(), 9);
        }
    }

    private static double[] Returns(double[] prices) => prices.Zip(prices.Skip(1), (before, after) => (after / before - 1) * 100).ToArray();

    private static IEnumerable<int> Hours(int first, int last) => Enumerable.Range(first, last - first + 1);

    private static decimal Price(double value) => Math.Round((decimal)value, 6);

    private static Asset Asset(string id, string symbol, string name) =>
        new() { Id = id, Symbol = symbol, Name = name, CreatedAt = T0, UpdatedAt = T0 };

    private static AssetMapping Mapping(string source, string sourceId, string assetId) =>
        new() { Source = source, SourceId = sourceId, AssetId = assetId, Rule = MappingRules.SymbolAndName, Confidence = 0.95m, LinkedAt = T0 };
}
