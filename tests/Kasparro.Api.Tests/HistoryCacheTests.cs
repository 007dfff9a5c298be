using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text.Json;
using Kasparro.Api.History;
using Kasparro.Data.Entities;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Kasparro.Testing.ApiSeed;

namespace Kasparro.Api.Tests;

/// <summary>
/// Bucketed history responses are kept in memory and dropped when PostgreSQL notifies that the asset's history
/// changed. "Quiet" writes below bypass the notifying triggers (<c>session_replication_role = replica</c>): a response
/// that does not show them was served from memory.
/// </summary>
public sealed class HistoryCacheTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const string BtcYear = "/assets/btc-bitcoin/history?from=2025-03-01T00:00:00Z&to=2025-03-03T00:00:00Z&interval=1h";
    private const string EthYear = "/assets/eth-ethereum/history?from=2025-03-01T00:00:00Z&to=2025-03-03T00:00:00Z&interval=1h";
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);
    private readonly List<ApiFactory> _apis = [];

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        await AddAsync(database,
            new Asset { Id = "btc-bitcoin", Symbol = "BTC", Name = "Bitcoin", CreatedAt = T0, UpdatedAt = T0 },
            new Asset { Id = "eth-ethereum", Symbol = "ETH", Name = "Ethereum", CreatedAt = T0, UpdatedAt = T0 });
        await ExecuteAsync("""
            INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, linked_at)
            VALUES ('coingecko', 'bitcoin', 'btc-bitcoin', 'override', 1, true, now()),
                   ('coinpaprika', 'eth-ethereum', 'eth-ethereum', 'override', 1, true, now());
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            SELECT s.source, s.id, t, s.asset, 100, 1000, 10, false
            FROM (VALUES ('coingecko', 'bitcoin', 'btc-bitcoin'), ('coinpaprika', 'eth-ethereum', 'eth-ethereum')) AS s(source, id, asset),
                 generate_series(timestamptz '2025-03-01Z', timestamptz '2025-03-02T23:00:00Z', interval '1 hour') AS t
            """);
    }

    public async Task DisposeAsync()
    {
        foreach (var api in _apis)
        {
            await api.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_response_is_served_from_memory_until_its_assets_history_changes()
    {
        var client = await StartApiAsync();
        Assert.Equal(100m, LastPrice(await client.GetJsonAsync(BtcYear)));
        Assert.Equal(100m, LastPrice(await client.GetJsonAsync(EthYear)));

        await SetPriceQuietlyAsync("bitcoin", 7m);
        await SetPriceQuietlyAsync("eth-ethereum", 8m);
        Assert.Equal(100m, LastPrice(await client.GetJsonAsync(BtcYear)));
        Assert.Equal(100m, LastPrice(await client.GetJsonAsync(EthYear)));

        // An ordinary write (as the ETL's COPY or an operator's INSERT) notifies: Bitcoin's response is read again,
        // quiet change included; Ethereum's, untouched, is still the one in memory.
        await ExecuteAsync("""
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, is_backfill)
            VALUES ('coingecko', 'bitcoin', '2025-03-02T23:30:00Z', 'btc-bitcoin', 9, false)
            """);
        await Poll.UntilAsync(async () => LastPrice(await client.GetJsonAsync(BtcYear)) == 9m, Soon, "the new Bitcoin point");
        Assert.Equal(7m, PriceAt(await client.GetJsonAsync(BtcYear), "2025-03-02T22:00:00Z"));
        Assert.Equal(100m, LastPrice(await client.GetJsonAsync(EthYear)));
    }

    [Fact]
    public async Task Requests_that_miss_together_share_one_rendering()
    {
        // A year hourly from two sources: long enough to render that the requests below overlap.
        await ExecuteAsync("""
            INSERT INTO assets (id, symbol, name, created_at, updated_at) VALUES ('big-coin', 'BIG', 'Big', now(), now());
            INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, linked_at)
            VALUES ('coingecko', 'big', 'big-coin', 'override', 1, true, now()), ('coinpaprika', 'big-big', 'big-coin', 'override', 1, true, now());
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            SELECT s.source, s.id, t, 'big-coin', 100 + extract(epoch FROM t) % 977 / 7.0, 1e9 + extract(epoch FROM t) % 1013, 5e6, false
            FROM (VALUES ('coingecko', 'big'), ('coinpaprika', 'big-big')) AS s(source, id),
                 generate_series(timestamptz '2025-01-01Z', timestamptz '2025-12-31T23:00:00Z', interval '1 hour') AS t
            """);
        var client = await StartApiAsync();
        var results = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var meters = _apis[^1].Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "kasparro.api.history_cache.lookups")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            results.AddOrUpdate((string)tags[0].Value!, (int)value, (_, sum) => sum + (int)value));
        listener.Start();

        const string year = "/assets/big-coin/history?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&interval=1h";
        var bodies = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => client.GetStringAsync(year)));

        Assert.Single(bodies.Distinct());
        Assert.Equal(17_520, bodies[0].Split("\"price_usd\"").Length - 1);
        Assert.Equal(1, results.GetValueOrDefault("miss"));
        Assert.Equal(16, results.Values.Sum());
        Assert.True(results.GetValueOrDefault("joined") > 0, string.Join(", ", results));
    }

    [Fact]
    public async Task A_mapping_moved_to_another_asset_changes_both_assets_histories()
    {
        var client = await StartApiAsync();
        Assert.Single((await client.GetJsonAsync(BtcYear)).GetProperty("series").EnumerateArray());
        Assert.Single((await client.GetJsonAsync(EthYear)).GetProperty("series").EnumerateArray());

        await ExecuteAsync("UPDATE asset_mappings SET asset_id = 'btc-bitcoin' WHERE source_id = 'eth-ethereum'");
        await Poll.UntilAsync(async () => (await client.GetJsonAsync(EthYear)).GetProperty("series").GetArrayLength() == 0, Soon, "Ethereum without its series");
        await Poll.UntilAsync(async () => (await client.GetJsonAsync(BtcYear)).GetProperty("series").GetArrayLength() == 2, Soon, "Bitcoin with the moved series");
    }

    [Fact]
    public async Task Gzip_goes_to_clients_that_accept_it_and_the_same_json_plain_to_the_others()
    {
        var client = await StartApiAsync();
        foreach (var attempt in new[] { "first (rendered)", "second (from memory)" })
        {
            var plain = await GetAsync(client, BtcYear, acceptEncoding: null);
            Assert.Null(plain.Content.Headers.ContentEncoding.FirstOrDefault());
            var json = await plain.Content.ReadAsByteArrayAsync();
            Assert.Equal(json.Length, plain.Content.Headers.ContentLength);
            Assert.Contains("Accept-Encoding", plain.Headers.Vary);

            var compressed = await GetAsync(client, BtcYear, acceptEncoding: "br, gzip;q=0.8");
            Assert.Equal(["gzip"], compressed.Content.Headers.ContentEncoding);
            var gzip = await compressed.Content.ReadAsByteArrayAsync();
            Assert.True(gzip.Length < json.Length / 3, $"{attempt}: {gzip.Length} compressed bytes for {json.Length}");
            Assert.Equal(json, Inflate(gzip));

            var refused = await GetAsync(client, BtcYear, acceptEncoding: "gzip;q=0, *");
            Assert.Null(refused.Content.Headers.ContentEncoding.FirstOrDefault());
            Assert.Equal(json, await refused.Content.ReadAsByteArrayAsync());
            Assert.Equal(48, JsonDocument.Parse(json).RootElement.GetProperty("series")[0].GetProperty("points").GetArrayLength());
        }
    }

    [Fact]
    public async Task Bucketed_ranges_cover_whole_buckets_so_requests_in_the_same_hour_are_one()
    {
        var client = await StartApiAsync();
        var first = await client.GetJsonAsync("/assets/btc-bitcoin/history?from=2025-03-01T00:30:00Z&to=2025-03-02T10:20:00Z&interval=1h");
        Assert.Equal("2025-03-01T00:00:00Z", first.GetProperty("from").GetString());
        Assert.Equal("2025-03-02T11:00:00Z", first.GetProperty("to").GetString());
        Assert.Equal(35, first.GetProperty("series")[0].GetProperty("points").GetArrayLength());

        await SetPriceQuietlyAsync("bitcoin", 7m);
        var later = await client.GetJsonAsync("/assets/btc-bitcoin/history?from=2025-03-01T00:59:59Z&to=2025-03-02T10:45:10Z&interval=1h");
        Assert.Equal(first.GetRawText(), later.GetRawText());

        var daily = await client.GetJsonAsync("/assets/btc-bitcoin/history?from=2025-03-01T05:00:00Z&to=2025-03-01T06:00:00Z&interval=1d");
        Assert.Equal("2025-03-01T00:00:00Z", daily.GetProperty("from").GetString());
        Assert.Equal("2025-03-02T00:00:00Z", daily.GetProperty("to").GetString());
    }

    [Fact]
    public async Task Without_notifications_nothing_is_served_from_memory_and_after_reconnecting_it_starts_empty()
    {
        var client = await StartApiAsync();
        var cache = _apis[^1].Services.GetRequiredService<HistoryCache>();
        Assert.Equal(100m, LastPrice(await client.GetJsonAsync(BtcYear)));

        // The listener's connection dies (a database restart, a network cut): the cache must not trust what it holds.
        var killed = await database.ScalarAsync<long>($"""
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE application_name = '{HistoryChangeListener.ApplicationName}' AND datname = current_database()
            """);
        Assert.Equal(1, killed);
        await Poll.UntilAsync(() => Task.FromResult(!cache.IsServing), Soon, "the cache to stop serving");
        // Read at once: the listener waits a second before reconnecting.
        await SetPriceQuietlyAsync("bitcoin", 7m);
        Assert.Equal(7m, LastPrice(await client.GetJsonAsync(BtcYear)));

        await SetPriceQuietlyAsync("bitcoin", 6m);
        await Poll.UntilAsync(() => Task.FromResult(cache.IsServing), TimeSpan.FromSeconds(20), "the listener to reconnect");
        Assert.Equal(6m, LastPrice(await client.GetJsonAsync(BtcYear)));
        await SetPriceQuietlyAsync("bitcoin", 5m);
        Assert.Equal(6m, LastPrice(await client.GetJsonAsync(BtcYear)));
    }

    [Fact]
    public async Task A_response_is_served_from_memory_no_longer_than_the_configured_age()
    {
        var client = await StartApiAsync(new Dictionary<string, string> { ["HistoryCache:MaxAgeSeconds"] = "1" });
        Assert.Equal(100m, LastPrice(await client.GetJsonAsync(BtcYear)));
        await SetPriceQuietlyAsync("bitcoin", 7m);
        Assert.Equal(100m, LastPrice(await client.GetJsonAsync(BtcYear)));
        await Poll.UntilAsync(async () => LastPrice(await client.GetJsonAsync(BtcYear)) == 7m, Soon, "the quiet change after a second");
    }

    [Fact]
    public async Task A_size_limit_of_zero_turns_the_cache_off()
    {
        var client = await StartApiAsync(new Dictionary<string, string> { ["HistoryCache:SizeLimitMegabytes"] = "0" });
        Assert.Equal(100m, LastPrice(await client.GetJsonAsync(BtcYear)));
        await SetPriceQuietlyAsync("bitcoin", 7m);
        Assert.Equal(7m, LastPrice(await client.GetJsonAsync(BtcYear)));
    }

    /// <summary>An API whose listener is connected (so the cache serves), unless the cache is configured off.</summary>
    private async Task<HttpClient> StartApiAsync(Dictionary<string, string>? settings = null)
    {
        var api = new ApiFactory(database.ConnectionString, settings);
        _apis.Add(api);
        var client = api.CreateClient();
        if (settings?.GetValueOrDefault("HistoryCache:SizeLimitMegabytes") != "0")
        {
            var cache = api.Services.GetRequiredService<HistoryCache>();
            await Poll.UntilAsync(() => Task.FromResult(cache.IsServing), Soon, "the history listener");
        }

        return client;
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string url, string? acceptEncoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (acceptEncoding is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        }

        var response = await client.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    private static byte[] Inflate(byte[] gzip)
    {
        using var inflated = new MemoryStream();
        using (var stream = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress))
        {
            stream.CopyTo(inflated);
        }

        return inflated.ToArray();
    }

    private static decimal LastPrice(JsonElement history)
    {
        var points = history.GetProperty("series")[0].GetProperty("points");
        return points[points.GetArrayLength() - 1].GetProperty("price_usd").GetDecimal();
    }

    private static decimal PriceAt(JsonElement history, string t) =>
        history.GetProperty("series")[0].GetProperty("points").EnumerateArray()
            .Single(p => p.GetProperty("t").GetString() == t).GetProperty("price_usd").GetDecimal();

    /// <summary>Sets every price of a series without firing triggers, so no notification is sent.</summary>
    private Task SetPriceQuietlyAsync(string sourceId, decimal price) => ExecuteAsync($"""
        SET session_replication_role = replica;
        UPDATE price_points SET price_usd = {price} WHERE series_id IN (SELECT id FROM price_series WHERE source_id = '{sourceId}');
        """);

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
