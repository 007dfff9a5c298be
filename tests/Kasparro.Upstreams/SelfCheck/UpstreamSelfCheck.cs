#:project ../Kasparro.Upstreams.csproj
// Hand-run check of the fake upstream: dotnet run tests/Kasparro.Upstreams/SelfCheck/UpstreamSelfCheck.cs
// Prints evidence for each behaviour and exits non-zero on the first broken expectation.
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Kasparro.Upstreams;
using Kasparro.Upstreams.Faults;
using Kasparro.Upstreams.Universe;

var failures = 0;
void Expect(bool ok, string what)
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
    failures += ok ? 0 : 1;
}

HttpClient Client(TimeSpan? timeout = null)
{
    var client = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(20) };
    client.DefaultRequestHeaders.UserAgent.ParseAdd("kasparro-selfcheck/1.0");
    return client;
}

async Task<string> Outcome(HttpClient client, string url)
{
    try
    {
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        string shape;
        try
        {
            shape = JsonDocument.Parse(body).RootElement.ValueKind.ToString();
        }
        catch (JsonException)
        {
            shape = "invalid JSON";
        }

        var retry = response.Headers.RetryAfter?.Delta is { } d ? $" Retry-After={d.TotalSeconds}" : string.Empty;
        return $"{(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType} {shape}{retry}";
    }
    catch (Exception e)
    {
        return $"{e.GetType().Name}: {e.InnerException?.GetType().Name ?? e.Message}";
    }
}

// 1. The real universe and its truth table.
await using (var server = await UpstreamServer.StartAsync(new UpstreamOptions()))
{
    using var http = Client();
    var truth = server.Universe.Truth;
    Console.WriteLine($"base urls: {server.CoinPaprikaBaseUrl} {server.CoinGeckoBaseUrl}");
    Console.WriteLine($"truth: {truth.CoinGecko.Count} gecko ids, {truth.CoinPaprika.Count} paprika ids, {truth.SymbolCollisions.Count} colliding symbols");
    foreach (var (symbol, keys) in truth.SymbolCollisions.OrderBy(kv => kv.Key))
    {
        Console.WriteLine($"  {symbol}: {string.Join(", ", keys)}");
    }

    Expect(truth.SymbolCollisions.Count >= 10, "at least 10 symbol collisions");
    Expect(truth.IsSameAsset("bitcoin", "btc-bitcoin") && !truth.IsSameAsset("tokamak-network", "ton-toncoin"), "truth links bitcoin, separates TON/Tokamak");

    var gecko = await http.GetStringAsync($"{server.CoinGeckoBaseUrl}/coins/markets?vs_currency=usd&order=market_cap_desc&per_page=250&page=1");
    var paprika = await http.GetStringAsync($"{server.CoinPaprikaBaseUrl}/tickers");
    var geckoItems = JsonDocument.Parse(gecko).RootElement;
    Expect(geckoItems.GetArrayLength() == truth.CoinGecko.Count, $"gecko page 1 holds all {geckoItems.GetArrayLength()} coins");
    Expect(gecko.Contains("\"current_price\":8.08e-06") && gecko.Contains("\"circulating_supply\":0.0") && gecko.Contains("\"roi\":{"), "gecko exponent numbers, 0.0 unknowns, roi objects");
    Expect(paprika.Contains("\"rank\":0") && paprika.Contains("\"max_supply\":0") && paprika.Contains("e-7"), "paprika rank 0, max_supply 0, Go exponents");
    Expect(geckoItems.EnumerateArray().All(i => i.GetProperty("symbol").GetString() is { } s && s == s.ToLowerInvariant()), "gecko symbols lowercase");
    var pageTwo = await http.GetStringAsync($"{server.CoinGeckoBaseUrl}/coins/markets?vs_currency=usd&per_page=250&page=2");
    Expect(pageTwo == "[]", "past the last page: []");

    // Snapshots: exactly N coins change, on both APIs.
    var changed = server.AdvanceSnapshot(7);
    var gecko2 = JsonDocument.Parse(await http.GetStringAsync($"{server.CoinGeckoBaseUrl}/coins/markets?vs_currency=usd&per_page=250")).RootElement;
    var paprika2 = JsonDocument.Parse(await http.GetStringAsync($"{server.CoinPaprikaBaseUrl}/tickers")).RootElement;
    var geckoDiff = Diff(geckoItems, gecko2, "id");
    var paprikaDiff = Diff(JsonDocument.Parse(paprika).RootElement, paprika2, "id");
    Console.WriteLine($"snapshot {server.Snapshot}: changed {string.Join(", ", changed.Select(c => c.Key))}");
    Expect(geckoDiff.SetEquals(changed.Where(c => c.GeckoId is not null).Select(c => c.GeckoId!)), $"gecko items that differ = the {geckoDiff.Count} changed");
    Expect(paprikaDiff.SetEquals(changed.Where(c => c.PaprikaId is not null).Select(c => c.PaprikaId!)), $"paprika items that differ = the {paprikaDiff.Count} changed");

    // Market charts: granularity and the demo plan's 365-day reach.
    foreach (var days in new[] { "1", "30", "365", "400" })
    {
        using var response = await http.GetAsync($"{server.CoinGeckoBaseUrl}/coins/bitcoin/market_chart?vs_currency=usd&days={days}");
        var text = await response.Content.ReadAsStringAsync();
        var count = response.IsSuccessStatusCode ? JsonDocument.Parse(text).RootElement.GetProperty("prices").GetArrayLength() : 0;
        Console.WriteLine($"  market_chart days={days}: {(int)response.StatusCode}, {count} points");
    }

    // Faults, one request each.
    var url = $"{server.CoinGeckoBaseUrl}/coins/markets?vs_currency=usd&per_page=250";
    Fault[] faults =
    [
        Fault.TooManyRequests(30), Fault.TooManyRequests(), Fault.PaymentRequired(), Fault.Unauthorized(),
        Fault.InternalServerError(), Fault.ServiceUnavailable(), Fault.MalformedJson(), Fault.ObjectInsteadOfArray(),
        Fault.HtmlErrorPage(), Fault.HtmlErrorPage(200), Fault.TruncatedBody(), Fault.AbortedMidStream(),
        Fault.SlowStream(TimeSpan.FromMilliseconds(20), 4096), Fault.Hang(TimeSpan.FromMilliseconds(300)),
    ];
    foreach (var fault in faults)
    {
        server.Faults.Enqueue(UpstreamRoute.GeckoMarkets, fault);
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"  {fault.Kind,-22} -> {await Outcome(http, url)} ({clock.ElapsedMilliseconds} ms)");
    }

    using (var impatient = Client(TimeSpan.FromSeconds(1)))
    {
        server.Faults.Enqueue(UpstreamRoute.GeckoMarkets, Fault.Hang());
        Console.WriteLine($"  Hang (forever)         -> {await Outcome(impatient, url)}");
    }

    Expect((await Outcome(http, url)).StartsWith("200", StringComparison.Ordinal), "queue drained: next request is normal");
    server.Faults.Persistent(UpstreamRoute.PaprikaTickers, Fault.ServiceUnavailable());
    var persistent = new[] { await Outcome(http, $"{server.CoinPaprikaBaseUrl}/tickers"), await Outcome(http, $"{server.CoinPaprikaBaseUrl}/tickers") };
    server.Faults.Clear();
    Expect(persistent.All(o => o.StartsWith("503", StringComparison.Ordinal)) && (await Outcome(http, $"{server.CoinPaprikaBaseUrl}/tickers")).StartsWith("200", StringComparison.Ordinal), "persistent fault until cleared");

    // Drift.
    server.Drift = SchemaDrift.GeckoCurrentPriceRenamed | SchemaDrift.GeckoSymbolMissingOnSome | SchemaDrift.PaprikaUsdPriceMissingOnSome | SchemaDrift.ExtraUnknownFields;
    var drifted = JsonDocument.Parse(await http.GetStringAsync(url)).RootElement;
    var driftedPaprika = JsonDocument.Parse(await http.GetStringAsync($"{server.CoinPaprikaBaseUrl}/tickers")).RootElement;
    Expect(drifted.EnumerateArray().All(i => i.TryGetProperty("currentPrice", out _) && !i.TryGetProperty("current_price", out _)), "drift: currentPrice everywhere");
    Console.WriteLine($"  drift: gecko items without symbol {drifted.EnumerateArray().Count(i => !i.TryGetProperty("symbol", out _))}, paprika items without price {driftedPaprika.EnumerateArray().Count(i => !i.GetProperty("quotes").GetProperty("USD").TryGetProperty("price", out _))}");

    var logged = server.Requests;
    Expect(logged.All(r => r.UserAgent == "kasparro-selfcheck/1.0") && logged.Count(r => r.Route == UpstreamRoute.GeckoMarkets) > 10, $"request log: {logged.Count} requests with headers");
}

// 2. Rate limit.
await using (var limited = await UpstreamServer.StartAsync(new UpstreamOptions { RequestsPerMinute = { [UpstreamApi.CoinGecko] = 5 } }))
{
    using var http = Client();
    var outcomes = new List<string>();
    for (var i = 0; i < 7; i++)
    {
        outcomes.Add(await Outcome(http, $"{limited.CoinGeckoBaseUrl}/coins/markets?vs_currency=usd&per_page=1"));
    }

    Console.WriteLine($"  7 calls at 5/min: {string.Join(" | ", outcomes)}");
    Expect(limited.RateLimitViolationsOf(UpstreamApi.CoinGecko) == 2 && outcomes[6].Contains("Retry-After", StringComparison.Ordinal), "rate limit: 2 violations with Retry-After");
    var paprikaFree = await Outcome(http, $"{limited.CoinPaprikaBaseUrl}/tickers");
    Expect(paprikaFree.StartsWith("200", StringComparison.Ordinal), "paprika unlimited");
}

// 3. A big generated universe.
var build = Stopwatch.StartNew();
var big = UpstreamUniverse.Generated(20_000, seed: 7);
Console.WriteLine($"generated 20000 coins in {build.ElapsedMilliseconds} ms");
await using (var server = await UpstreamServer.StartAsync(new UpstreamOptions { Universe = big }))
{
    using var http = Client();
    var clock = Stopwatch.StartNew();
    var tickers = await http.GetByteArrayAsync($"{server.CoinPaprikaBaseUrl}/tickers");
    Console.WriteLine($"  paprika /tickers: {JsonDocument.Parse(tickers).RootElement.GetArrayLength()} items, {tickers.Length / 1024 / 1024.0:F1} MiB, {clock.ElapsedMilliseconds} ms");
    clock.Restart();
    int pages = 0, items = 0;
    while (true)
    {
        var page = JsonDocument.Parse(await http.GetStringAsync($"{server.CoinGeckoBaseUrl}/coins/markets?vs_currency=usd&per_page=250&page={pages + 1}")).RootElement;
        if (page.GetArrayLength() == 0)
        {
            break;
        }

        pages++;
        items += page.GetArrayLength();
    }

    Console.WriteLine($"  gecko sweep: {pages} pages, {items} items, {clock.ElapsedMilliseconds} ms");
    Expect(items == 20_000 && pages == 80, "gecko sweep covers every coin");
}

Console.WriteLine(failures == 0 ? "ALL OK" : $"{failures} FAILED");
return failures == 0 ? 0 : 1;

static HashSet<string> Diff(JsonElement before, JsonElement after, string idField)
{
    var old = before.EnumerateArray().ToDictionary(i => i.GetProperty(idField).GetString()!, i => i.GetRawText());
    return after.EnumerateArray()
        .Where(i => old[i.GetProperty(idField).GetString()!] != i.GetRawText())
        .Select(i => i.GetProperty(idField).GetString()!)
        .ToHashSet();
}
