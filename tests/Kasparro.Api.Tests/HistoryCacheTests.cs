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
/// Bucketed history and candle responses, and the rendered days raw history is cut from, are kept in memory and
/// dropped when PostgreSQL notifies that the asset's history changed. "Quiet" writes below bypass the notifying triggers (<c>session_replication_role = replica</c>): a response
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
        await AddBitcoinPointAsync("2025-03-02T23:30:00Z", 9m);
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
        using var listener = ListenTo("kasparro.api.history_cache.lookups", out var results);

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

    [Fact]
    public async Task Candles_are_served_from_memory_until_the_assets_history_changes()
    {
        const string candles = "/assets/btc-bitcoin/candles?interval=1h&from=2025-03-01T00:00:00Z&to=2025-03-03T00:00:00Z";
        const string oneSource = candles + "&source=coingecko";
        var client = await StartApiAsync();
        Assert.Equal(100m, LastClose(await client.GetJsonAsync(candles)));
        Assert.Equal(100m, LastClose(await client.GetJsonAsync(oneSource)));

        await SetPriceQuietlyAsync("bitcoin", 7m);
        Assert.Equal(100m, LastClose(await client.GetJsonAsync(candles)));
        Assert.Equal(100m, LastClose(await client.GetJsonAsync(oneSource)));

        // A point in the last hour notifies: both responses are read again, with the quiet change and the new close.
        await AddBitcoinPointAsync("2025-03-02T23:30:00Z", 9m);
        await Poll.UntilAsync(async () => LastClose(await client.GetJsonAsync(candles)) == 9m, Soon, "the new Bitcoin close");
        var last = (await client.GetJsonAsync(oneSource)).GetProperty("series")[0].GetProperty("candles")[47];
        Assert.Equal("""{"t":"2025-03-02T23:00:00Z","open":7,"high":9,"low":7,"close":9,"volume_24h_usd":null,"points":2}""", last.GetRawText());
    }

    [Fact]
    public async Task Candles_are_the_serializers_json_plain_or_gzip_rendered_or_from_memory()
    {
        const string candles = "/assets/btc-bitcoin/candles?interval=1h&from=2025-03-01T00:00:00Z&to=2025-03-03T00:00:00Z";
        var client = await StartApiAsync();
        foreach (var attempt in new[] { "first (rendered, gzip asked)", "second (from memory)" })
        {
            var compressed = await GetAsync(client, candles, acceptEncoding: "gzip");
            Assert.Equal(["gzip"], compressed.Content.Headers.ContentEncoding);
            var json = Inflate(await compressed.Content.ReadAsByteArrayAsync());
            var plain = await GetAsync(client, candles, acceptEncoding: null);
            Assert.Null(plain.Content.Headers.ContentEncoding.FirstOrDefault());
            Assert.Equal("application/json; charset=utf-8", plain.Content.Headers.ContentType?.ToString());
            Assert.Equal(json, await plain.Content.ReadAsByteArrayAsync());
            // What TypedResults.Ok wrote before candles were cached: the serializer's text of the contract record.
            var record = JsonSerializer.Deserialize<Kasparro.Contracts.AssetCandles>(json, Kasparro.Contracts.ContractJson.Options);
            Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(record, Kasparro.Contracts.ContractJson.Options), json);
            Assert.Equal(48, record!.Series[0].Candles.Count);
        }
    }

    [Fact]
    public async Task A_raw_range_cut_from_its_days_in_memory_is_byte_for_byte_the_range_read_alone()
    {
        // A second Bitcoin source with points on part of one day only: ranges without them leave it out.
        await ExecuteAsync("""
            INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, linked_at)
            VALUES ('coinpaprika', 'btc-bitcoin', 'btc-bitcoin', 'override', 1, true, now());
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            SELECT 'coinpaprika', 'btc-bitcoin', t, 'btc-bitcoin', 0.000000000000000001 * extract(minute FROM t), NULL, 123456789012345678.5, false
            FROM generate_series(timestamptz '2025-03-02T12:05:00Z', timestamptz '2025-03-02T14:55:00Z', interval '10 minutes') AS t
            """);
        var cached = await StartApiAsync();
        var readAlone = await StartApiAsync(new Dictionary<string, string> { ["HistoryCache:SizeLimitMegabytes"] = "0" });
        string[] ranges =
        [
            "from=2025-03-01T00:00:00Z&to=2025-03-03T00:00:00Z",
            "from=2025-03-01T05:30:00Z&to=2025-03-02T13:00:00.000001Z",
            "from=2025-03-02T12:05:00Z&to=2025-03-02T12:35:00Z",
            "from=2025-03-02T14:55:00.5Z&to=2025-03-02T15:00:00Z",
            "from=2025-03-02T15:01:00Z&to=2025-03-02T15:59:59.999999Z",
            "from=2025-02-27T00:00:00Z&to=2025-03-01T00:00:00Z",
            "from=2025-02-28T23:00:00Z&to=2025-03-01T00:00:00.000001Z",
        ];
        foreach (var range in ranges)
        {
            foreach (var url in new[] { $"/assets/btc-bitcoin/history?{range}&interval=raw", $"/assets/btc-bitcoin/history?{range}" })
            {
                var expected = await (await GetAsync(readAlone, url, acceptEncoding: null)).Content.ReadAsByteArrayAsync();
                foreach (var attempt in new[] { "first", "second" })
                {
                    var plain = await GetAsync(cached, url, acceptEncoding: null);
                    Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), System.Text.Encoding.UTF8.GetString(await plain.Content.ReadAsByteArrayAsync()));
                    Assert.Equal(expected.Length, plain.Content.Headers.ContentLength);
                    Assert.Contains("Accept-Encoding", plain.Headers.Vary);
                    var compressed = await GetAsync(cached, url, acceptEncoding: "gzip");
                    Assert.Equal(["gzip"], compressed.Content.Headers.ContentEncoding);
                    var gzip = await compressed.Content.ReadAsByteArrayAsync();
                    Assert.Equal(gzip.Length, compressed.Content.Headers.ContentLength);
                    Assert.Equal(expected, Inflate(gzip));
                }
            }
        }

        Assert.Equal(2, (await cached.GetJsonAsync($"/assets/btc-bitcoin/history?{ranges[1]}&interval=raw")).GetProperty("series").GetArrayLength());
        Assert.Empty((await cached.GetJsonAsync($"/assets/btc-bitcoin/history?{ranges[4]}&interval=raw")).GetProperty("series").EnumerateArray());
        await cached.GetJsonAsync("/assets/no-such-coin/history?interval=raw", 404);
    }

    [Fact]
    public async Task Raw_ranges_ending_at_different_moments_of_the_same_days_are_served_from_memory_until_the_history_changes()
    {
        var client = await StartApiAsync();
        var first = await client.GetJsonAsync("/assets/btc-bitcoin/history?from=2025-03-01T10:00:00Z&to=2025-03-02T10:00:00.25Z&interval=raw");
        Assert.Equal(25, Points(first).GetArrayLength());
        Assert.Equal(100m, LastPrice(first));

        await SetPriceQuietlyAsync("bitcoin", 7m);
        // "To now", a little later: its own from and to, its own points, the days' rendering in memory.
        var later = await client.GetJsonAsync("/assets/btc-bitcoin/history?from=2025-03-01T12:30:00Z&to=2025-03-02T12:00:00.75Z&interval=raw");
        Assert.Equal("2025-03-01T12:30:00Z", later.GetProperty("from").GetString());
        Assert.Equal("2025-03-02T12:00:00.75Z", later.GetProperty("to").GetString());
        Assert.Equal("2025-03-01T13:00:00Z", Points(later)[0].GetProperty("t").GetString());
        Assert.Equal(24, Points(later).GetArrayLength());
        Assert.Equal(100m, LastPrice(later));

        await AddBitcoinPointAsync("2025-03-02T11:59:00Z", 9m);
        const string url = "/assets/btc-bitcoin/history?from=2025-03-01T12:30:00Z&to=2025-03-02T12:00:00.75Z&interval=raw";
        await Poll.UntilAsync(async () => Points(await client.GetJsonAsync(url)).GetArrayLength() == 25, Soon, "the new Bitcoin point");
        Assert.Equal(7m, LastPrice(await client.GetJsonAsync(url)));
        Assert.Equal(9m, PriceAt(await client.GetJsonAsync(url), "2025-03-02T11:59:00Z"));
    }

    [Fact]
    public async Task A_plain_columns_response_is_kept_beside_its_document_byte_for_byte_and_goes_with_the_assets_change()
    {
        const string columns = BtcYear + "&format=columns";
        var client = await StartApiAsync();
        var readAlone = await StartApiAsync(new Dictionary<string, string> { ["HistoryCache:SizeLimitMegabytes"] = "0" });
        using var listener = ListenTo("kasparro.api.history_cache.plain_copies", out var copies);
        var expected = await PlainBytesAsync(readAlone, columns);
        // Rendered (plain JSON at hand), then inflated from the kept gzip and kept, then sent from that copy.
        foreach (var attempt in new[] { "rendered", "inflated", "from the copy", "from the copy again" })
        {
            Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), System.Text.Encoding.UTF8.GetString(await PlainBytesAsync(client, columns)));
            var compressed = await GetAsync(client, columns, acceptEncoding: "gzip");
            Assert.Equal(["gzip"], compressed.Content.Headers.ContentEncoding);
            Assert.Equal(expected, Inflate(await compressed.Content.ReadAsByteArrayAsync()));
        }

        Assert.Equal(1, copies.GetValueOrDefault("inflated"));
        Assert.Equal(2, copies.GetValueOrDefault("hit"));
        // The default layout sent plain is inflated per request, never copied.
        await PlainBytesAsync(client, BtcYear);
        await PlainBytesAsync(client, BtcYear);
        Assert.Equal(3, copies.Values.Sum());

        // A quiet write does not show (the copy is served); a notifying one drops document and copy alike.
        await SetPriceQuietlyAsync("bitcoin", 7m);
        Assert.Equal(expected, await PlainBytesAsync(client, columns));
        Assert.Equal(3, copies.GetValueOrDefault("hit"));
        await AddBitcoinPointAsync("2025-03-02T23:30:00Z", 9m);
        await Poll.UntilAsync(async () => !(await PlainBytesAsync(client, columns)).SequenceEqual(expected), Soon, "the new Bitcoin point in columns");
        var changed = await PlainBytesAsync(readAlone, columns);
        foreach (var attempt in new[] { "inflated", "from the copy" })
        {
            Assert.Equal(changed, await PlainBytesAsync(client, columns));
        }

        var prices = JsonDocument.Parse(changed).RootElement.GetProperty("series")[0].GetProperty("price_usd");
        Assert.Equal([7m, 9m], prices.EnumerateArray().TakeLast(2).Select(p => p.GetDecimal()));
        Assert.Equal(2, copies.GetValueOrDefault("inflated"));
    }

    [Fact]
    public async Task After_a_change_the_next_request_finds_its_document_rendered_ahead_byte_for_byte_a_fresh_rendering()
    {
        const string columns = BtcYear + "&format=columns";
        var client = await StartApiAsync();
        var readAlone = await StartApiAsync(new Dictionary<string, string> { ["HistoryCache:SizeLimitMegabytes"] = "0" });
        var before = await PlainBytesAsync(client, columns);
        await PlainBytesAsync(client, BtcYear);
        using var lookups = ListenTo("kasparro.api.history_cache.lookups", out var results);
        using var refreshes = ListenTo("kasparro.api.history_cache.refreshes", out var refreshed);

        await AddBitcoinPointAsync("2025-03-02T23:30:00Z", 9m);
        await Poll.UntilAsync(() => Task.FromResult(refreshed.GetValueOrDefault("rendered") == 2), Soon, "both Bitcoin documents rendered ahead");

        var after = await PlainBytesAsync(client, columns);
        Assert.NotEqual(before, after);
        Assert.Equal(await PlainBytesAsync(readAlone, columns), after);
        Assert.Equal(await PlainBytesAsync(readAlone, BtcYear), await PlainBytesAsync(client, BtcYear));
        Assert.Equal(9m, LastPrice(await client.GetJsonAsync(BtcYear)));
        // Served from memory: the renderings ahead were the only ones.
        Assert.Equal(3, results.GetValueOrDefault("hit"));
        Assert.Equal(3, results.Values.Sum());
    }

    /// <summary>Collects the measurements of one of the API's counters, summed by their <c>result</c> tag.</summary>
    private System.Diagnostics.Metrics.MeterListener ListenTo(string instrumentName,
        out System.Collections.Concurrent.ConcurrentDictionary<string, int> results)
    {
        var counted = results = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var meters = _apis[0].Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == instrumentName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            counted.AddOrUpdate((string)tags[0].Value!, (int)value, (_, sum) => sum + (int)value));
        listener.Start();
        return listener;
    }

    private static async Task<byte[]> PlainBytesAsync(HttpClient client, string url)
    {
        var response = await GetAsync(client, url, acceptEncoding: null);
        Assert.Null(response.Content.Headers.ContentEncoding.FirstOrDefault());
        var json = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(json.Length, response.Content.Headers.ContentLength);
        return json;
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

    private static JsonElement Points(JsonElement history) => history.GetProperty("series")[0].GetProperty("points");

    private static decimal LastClose(JsonElement candles)
    {
        var series = candles.GetProperty("series")[0].GetProperty("candles");
        return series[series.GetArrayLength() - 1].GetProperty("close").GetDecimal();
    }

    private static decimal PriceAt(JsonElement history, string t) =>
        history.GetProperty("series")[0].GetProperty("points").EnumerateArray()
            .Single(p => p.GetProperty("t").GetString() == t).GetProperty("price_usd").GetDecimal();

    /// <summary>Adds a Bitcoin point by an ordinary INSERT (as the ETL's COPY or an operator's would): its trigger notifies.</summary>
    private Task AddBitcoinPointAsync(string observedAt, decimal price) => ExecuteAsync($"""
        INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, is_backfill)
        VALUES ('coingecko', 'bitcoin', '{observedAt}', 'btc-bitcoin', {price}, false)
        """);

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
