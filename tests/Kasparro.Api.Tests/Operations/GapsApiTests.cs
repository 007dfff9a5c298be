using System.Text.Json;

namespace Kasparro.Api.Tests.Operations;

/// <summary><c>GET /assets/{id}/gaps</c> over series seeded in a real PostgreSQL.</summary>
public sealed class GapsApiTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        // coingecko: every 10 minutes over 2025-03-01, without 02:00-04:00 (the points 02:10..03:50 are missing: 11 of them).
        // coinpaprika: hourly over the same day with one missing hour (05:00), plus a jittered point that is no gap.
        await database.ExecuteAsync("""
            INSERT INTO assets (id, symbol, name, market_cap_usd, created_at, updated_at) VALUES ('btc-bitcoin', 'BTC', 'Bitcoin', 1, now(), now());
            INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, linked_at)
            VALUES ('coingecko', 'bitcoin', 'btc-bitcoin', 'override', 1, true, now()),
                   ('coinpaprika', 'btc-bitcoin', 'btc-bitcoin', 'override', 1, true, now());
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, is_backfill)
            SELECT 'coingecko', 'bitcoin', t, 'btc-bitcoin', 100, false
              FROM generate_series(timestamptz '2025-03-01Z', timestamptz '2025-03-01T23:50Z', interval '10 minutes') AS t
             WHERE NOT (t > timestamptz '2025-03-01T02:00Z' AND t < timestamptz '2025-03-01T04:00Z');
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, is_backfill)
            SELECT 'coinpaprika', 'btc-bitcoin', t + CASE WHEN t = timestamptz '2025-03-01T10:00Z' THEN interval '20 minutes' ELSE interval '0' END, 'btc-bitcoin', 100, false
              FROM generate_series(timestamptz '2025-03-01Z', timestamptz '2025-03-01T23:00Z', interval '1 hour') AS t
             WHERE t <> timestamptz '2025-03-01T05:00Z';
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static List<(string Source, string From, string To, long Missing)> Gaps(JsonElement report) =>
        report.GetProperty("gaps").EnumerateArray()
            .Select(g => (g.GetProperty("source").GetString()!, g.GetProperty("from").GetString()!, g.GetProperty("to").GetString()!, g.GetProperty("missing_estimate").GetInt64()))
            .ToList();

    [Fact]
    public async Task Each_sources_holes_are_listed_with_the_missing_points_against_its_own_cadence()
    {
        await using var api = new ApiFactory(database.ConnectionString);

        var report = await api.CreateClient().GetJsonAsync("/assets/btc-bitcoin/gaps?from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z");

        Assert.Equal("btc-bitcoin", report.GetProperty("asset_id").GetString());
        Assert.Equal("2025-03-01T00:00:00Z", report.GetProperty("from").GetString());
        Assert.Contains("median spacing", report.GetProperty("rule").GetString());
        var cadence = report.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("source").GetString()!);
        Assert.Equal(600, cadence["coingecko"].GetProperty("expected_interval_seconds").GetDouble());
        Assert.Equal(144 - 11, cadence["coingecko"].GetProperty("points").GetInt64());
        Assert.Equal(3600, cadence["coinpaprika"].GetProperty("expected_interval_seconds").GetDouble());
        Assert.Equal(
            [
                ("coingecko", "2025-03-01T02:00:00Z", "2025-03-01T04:00:00Z", 11),
                ("coinpaprika", "2025-03-01T04:00:00Z", "2025-03-01T06:00:00Z", 1),
            ],
            Gaps(report));
    }

    [Fact]
    public async Task A_source_filter_and_a_range_narrow_the_report()
    {
        await using var api = new ApiFactory(database.ConnectionString);
        var client = api.CreateClient();

        var paprika = await client.GetJsonAsync("/assets/btc-bitcoin/gaps?source=coinpaprika&from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z");
        var afternoon = await client.GetJsonAsync("/assets/btc-bitcoin/gaps?from=2025-03-01T12:00:00Z&to=2025-03-02T00:00:00Z");

        Assert.Equal([("coinpaprika", "2025-03-01T04:00:00Z", "2025-03-01T06:00:00Z", 1L)], Gaps(paprika));
        Assert.Single(paprika.GetProperty("series").EnumerateArray());
        Assert.Empty(Gaps(afternoon));
    }

    [Theory]
    [InlineData("/assets/btc-bitcoin/gaps?from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z", 400, "to")]
    [InlineData("/assets/btc-bitcoin/gaps?from=yesterday", 400, "from")]
    [InlineData("/assets/btc-bitcoin/gaps?source=binance", 400, "source")]
    [InlineData("/assets/btc-bitcoin/gaps?from=2020-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", 400, "from")]
    [InlineData("/assets/nosuch/gaps", 404, null)]
    public async Task Bad_ranges_are_400_and_an_unknown_asset_is_404(string url, int status, string? field)
    {
        await using var api = new ApiFactory(database.ConnectionString);

        var (code, body, _, contentType) = await api.CreateClient().SendJsonAsync(new HttpRequestMessage(HttpMethod.Get, url));

        Assert.Equal(status, code);
        Assert.Equal("application/problem+json", contentType);
        if (field is not null)
        {
            Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}");
        }
    }
}
