using System.Diagnostics;
using Kasparro.Ingestion.Pipeline;
using Kasparro.Upstreams;
using Kasparro.Upstreams.Universe;
using Microsoft.Extensions.DependencyInjection;

namespace Kasparro.Bench;

/// <summary>
/// <c>sweep</c>: the real CoinGecko source pages through a 20,000-coin universe served by the local fixture,
/// which enforces the same requests-per-minute limit; prints the wall time against the least time the limit
/// allows ((pages - 1) x 60 / rpm) and the fixture's count of requests over the limit. Then CoinPaprika's one request.
/// </summary>
public static class SweepBenchmark
{
    public static async Task<int> RunAsync(int coins, int requestsPerMinute)
    {
        await using var upstream = await UpstreamServer.StartAsync(new UpstreamOptions
        {
            Universe = UpstreamUniverse.Generated(coins, 42),
            RequestsPerMinute = { [UpstreamApi.CoinGecko] = requestsPerMinute, [UpstreamApi.CoinPaprika] = requestsPerMinute },
        });
        await using var postgres = await BenchServer.StartAsync();
        var connectionString = await postgres.CreateBenchDatabaseAsync("kasparro");
        var pages = CoinGeckoSweep.Pages(coins);
        var settings = CoinGeckoSweep.Settings(upstream, coins, requestsPerMinute);
        settings["Sources:CoinPaprika:Enabled"] = "true";
        settings["Sources:CoinPaprika:BaseUrl"] = upstream.CoinPaprikaBaseUrl.ToString();
        settings["Sources:CoinPaprika:RequestsPerMinute"] = requestsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var host = LoadChild.IngestionHostFor(connectionString, settings);
        var runner = host.Services.GetRequiredService<EtlRunner>();

        var failed = false;
        foreach (var (source, expectedRequests) in new[] { ("coingecko", pages), ("coinpaprika", 1) })
        {
            var before = upstream.Requests.Count;
            var violationsBefore = upstream.RateLimitViolations;
            var clock = Stopwatch.StartNew();
            var outcome = await runner.RunAsync(source, "bench", null, CancellationToken.None);
            var seconds = clock.Elapsed.TotalSeconds;
            var requests = upstream.Requests.Count - before;
            var violations = upstream.RateLimitViolations - violationsBefore;
            var allowed = (requests - 1) * 60.0 / requestsPerMinute;
            var over = allowed > 0 ? $"{(seconds / allowed - 1) * 100:+0.0;-0.0}% vs the allowed {allowed:F1} s" : "(one request: no wait is due)";
            Console.WriteLine($"{source}: {outcome.Status}, {outcome.Counts.Fetched:N0} coins in {requests} requests (expected {expectedRequests}) " +
                $"at {requestsPerMinute}/min: {seconds:F1} s {over}; over the limit: {violations}");
            failed |= !outcome.Succeeded || violations > 0 || (allowed > 0 && seconds > allowed * 1.10);
        }

        return failed ? 1 : 0;
    }
}
