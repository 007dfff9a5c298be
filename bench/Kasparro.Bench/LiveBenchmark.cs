using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Text;
using Kasparro.Ingestion.Pipeline;
using Kasparro.Upstreams;
using Kasparro.Upstreams.Universe;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Kasparro.Bench;

/// <summary>
/// <c>live</c>: Kasparro.Api (Release, its own process) with N concurrent <c>GET /stream</c> clients, each following
/// one random asset, while a CoinGecko sweep of the fake upstream's 20,000 coins changes every price. Measures
/// commit-to-event latency (the change log row's time, written in the committing transaction, against the time a
/// client got the event), the API's memory with the clients idle, and a slow reader (never reads) being cut off.
/// Loopback only; bounded by the sweep and a drain timeout.
/// </summary>
public static class LiveBenchmark
{
    public static async Task<int> RunAsync(int clients, int coins, int requestsPerMinute)
    {
        await using var upstream = await UpstreamServer.StartAsync(new UpstreamOptions
        {
            Universe = UpstreamUniverse.Generated(coins, 42),
            RequestsPerMinute = { [UpstreamApi.CoinGecko] = requestsPerMinute },
        });
        await using var postgres = await BenchServer.StartAsync();
        var connectionString = await postgres.CreateBenchDatabaseAsync("kasparro");
        using var host = LoadChild.IngestionHostFor(connectionString, CoinGeckoSweep.Settings(upstream, coins, requestsPerMinute));
        var runner = host.Services.GetRequiredService<EtlRunner>();

        // The first sweep creates the assets the clients follow.
        var first = await runner.RunAsync("coingecko", "bench", null, CancellationToken.None);
        Console.WriteLine($"first sweep: {first.Status}, {first.Counts.Fetched:N0} coins");
        var assets = await AssetIdsAsync(connectionString);

        var port = FreePort();
        using var api = await ReadBenchmark.StartApiAsync(connectionString, port, new Dictionary<string, string>
        {
            ["Stream__MaxClients"] = (clients + 10).ToString(CultureInfo.InvariantCulture),
            ["Stream__MaxClientsPerIp"] = (clients + 10).ToString(CultureInfo.InvariantCulture),
            ["Stream__ClientBuffer"] = "16",
        });
        try
        {
            var apiProcess = ApiProcessOf(api);
            await Task.Delay(TimeSpan.FromSeconds(3));
            var idleRss = Rss(apiProcess);

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = Timeout.InfiniteTimeSpan };
            using var stop = new CancellationTokenSource();
            var received = new ConcurrentBag<(long Sequence, DateTime At)>();
            var connected = new CountdownEvent(clients);
            var random = new Random(7);
            var readers = Enumerable.Range(0, clients)
                .Select(_ => FollowAsync(http, $"stream?events=price&asset_id={Uri.EscapeDataString(assets[random.Next(assets.Count)])}", connected, received, stop.Token))
                .ToList();
            if (!connected.Wait(TimeSpan.FromMinutes(2)))
            {
                throw new TimeoutException($"only {clients - connected.CurrentCount} of {clients} streams opened");
            }

            await Task.Delay(TimeSpan.FromSeconds(5));
            GC.Collect();
            var withClientsRss = Rss(apiProcess);
            Console.WriteLine($"API memory: {idleRss / 1048576.0:F0} MB with no stream, {withClientsRss / 1048576.0:F0} MB with {clients:N0} idle streams " +
                $"(+{(withClientsRss - idleRss) / 1048576.0:F0} MB, {(withClientsRss - idleRss) / (double)clients / 1024:F0} KB a stream)");

            // A client that never reads, following everything: its buffer overflows and it must be cut off.
            using var slow = await SlowReaderAsync(port);

            upstream.AdvanceSnapshot(coins);
            var clock = Stopwatch.StartNew();
            var second = await runner.RunAsync("coingecko", "bench", null, CancellationToken.None);
            Console.WriteLine($"second sweep (every price changed) while streaming: {second.Status}, {second.Counts.Updated:N0} updated in {clock.Elapsed.TotalSeconds:F1} s");
            var drain = Stopwatch.StartNew();
            while (received.Count < clients && drain.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200);
            }

            var duringSweep = received.ToList();
            var sweepRss = Rss(apiProcess);
            // One sweep's events (~7 MB for the slow reader) can fit in loopback socket buffers; a second one cannot.
            upstream.AdvanceSnapshot(coins);
            var third = await runner.RunAsync("coingecko", "bench", null, CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(8));
            GC.Collect();
            var afterSlowRss = Rss(apiProcess);
            var slowCut = await ClosedByServerAsync(slow, TimeSpan.FromSeconds(15));
            await stop.CancelAsync();
            await Task.WhenAll(readers);

            var latencies = await LatenciesAsync(connectionString, duringSweep);
            Console.WriteLine($"events received during the second sweep: {duringSweep.Count:N0} (clients {clients:N0}; each follows one asset, whose price changed once)");
            if (latencies.Count > 0)
            {
                Console.WriteLine($"commit-to-event latency: p50 {Percentile(latencies, 0.50):F0} ms, p99 {Percentile(latencies, 0.99):F0} ms, max {latencies[^1]:F0} ms");
            }

            Console.WriteLine($"API memory after the sweep: {sweepRss / 1048576.0:F0} MB; after a third sweep ({third.Status}) with the slow reader never reading: " +
                $"{afterSlowRss / 1048576.0:F0} MB; the slow reader was {(slowCut ? "cut off" : "NOT cut off")}");
            var p99 = latencies.Count > 0 ? Percentile(latencies, 0.99) : double.MaxValue;
            return duringSweep.Count >= clients * 0.99 && p99 < 500 && slowCut && withClientsRss - idleRss < 150L * 1048576 ? 0 : 1;
        }
        finally
        {
            if (!api.HasExited)
            {
                api.Kill(entireProcessTree: true);
                await api.WaitForExitAsync();
            }
        }
    }

    private static async Task FollowAsync(HttpClient http, string path, CountdownEvent connected, ConcurrentBag<(long, DateTime)> received, CancellationToken cancellationToken)
    {
        var signalled = false;
        try
        {
            using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
            {
                if (!signalled)
                {
                    signalled = true;
                    connected.Signal();
                }

                if (item.EventType == "price" && item.EventId is { } id)
                {
                    received.Add((long.Parse(id[..id.IndexOf('.', StringComparison.Ordinal)], CultureInfo.InvariantCulture), DateTime.UtcNow));
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or HttpRequestException)
        {
        }
        finally
        {
            if (!signalled)
            {
                connected.Signal();
            }
        }
    }

    private static async Task<TcpClient> SlowReaderAsync(int port)
    {
        var tcp = new TcpClient { ReceiveBufferSize = 4096 };
        await tcp.ConnectAsync("127.0.0.1", port);
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET /stream?source=coingecko HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        return tcp;
    }

    /// <summary>Reads the slow reader's socket to its end: true when the server closed it within <paramref name="timeout"/>.</summary>
    private static async Task<bool> ClosedByServerAsync(TcpClient tcp, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[1 << 16];
        try
        {
            while (await tcp.GetStream().ReadAsync(buffer, cancel.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<List<string>> AssetIdsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT DISTINCT asset_id FROM normalized_records WHERE source = 'coingecko' AND asset_id IS NOT NULL", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static async Task<List<double>> LatenciesAsync(string connectionString, List<(long Sequence, DateTime At)> received)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, created_at FROM change_log WHERE id = ANY($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = received.Select(r => r.Sequence).Distinct().ToArray() });
        var committed = new Dictionary<long, DateTime>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                committed[reader.GetInt64(0)] = reader.GetFieldValue<DateTime>(1);
            }
        }

        return received.Where(r => committed.ContainsKey(r.Sequence)).Select(r => (r.At - committed[r.Sequence]).TotalMilliseconds).Order().ToList();
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary><c>dotnet run</c> starts the API as its child: the process whose memory counts.</summary>
    private static int ApiProcessOf(Process dotnetRun)
    {
        foreach (var line in File.ReadAllLines($"/proc/{dotnetRun.Id}/task/{dotnetRun.Id}/children").SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            var pid = int.Parse(line, CultureInfo.InvariantCulture);
            if (File.ReadAllText($"/proc/{pid}/cmdline").Contains("Kasparro.Api", StringComparison.Ordinal))
            {
                return pid;
            }
        }

        return dotnetRun.Id;
    }

    private static long Rss(int pid)
    {
        var line = File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
