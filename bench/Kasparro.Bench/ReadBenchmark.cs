using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Kasparro.Testing;

namespace Kasparro.Bench;

/// <summary>
/// <c>read</c>: seeds ~10M history rows (kept in /var/tmp/kasparro-bench-read between runs), starts Kasparro.Api
/// in Release against it, EXPLAINs the endpoints' queries, then runs wrk against each endpoint and prints
/// requests/s, p50, p99 and errors; the <c>/data</c> endpoints also against a <see cref="ReferenceEndpoint"/> on the
/// same database and pool size, interleaved, with the ratio; and the history's p99 in both JSON layouts.
/// </summary>
public static partial class ReadBenchmark
{
    /// <summary>The kept database; KASPARRO_BENCH_READ_FOLDER names another (a second seed beside the usual one).</summary>
    private static readonly string KeptFolder = Environment.GetEnvironmentVariable("KASPARRO_BENCH_READ_FOLDER") is { Length: > 0 } folder
        ? folder
        : "/var/tmp/kasparro-bench-read";

    /// <summary><paramref name="noWrites"/>: no commit a second during the runs (to tell what the re-renders it causes cost).</summary>
    public static async Task<int> RunAsync(int seconds, int connections, bool reseed, string? only = null, bool noWrites = false)
    {
        if (reseed && Directory.Exists(KeptFolder))
        {
            Directory.Delete(KeptFolder, recursive: true);
        }

        await using var postgres = await BenchServer.StartAsync(KeptFolder);
        var connectionString = await postgres.CreateBenchDatabaseAsync("kasparro");
        var rows = await postgres.ScalarAsync<long>("kasparro", "SELECT count(*) FROM price_history");
        if (rows == 0)
        {
            var seed = Stopwatch.StartNew();
            await postgres.ExecuteAsync("kasparro", ReadSeed.Sql(DateTimeOffset.UtcNow));
            rows = await postgres.ScalarAsync<long>("kasparro", "SELECT count(*) FROM price_history");
            Console.WriteLine($"seeded {rows:N0} price_history rows in {seed.Elapsed.TotalSeconds:F0} s");
        }
        else
        {
            Console.WriteLine($"reusing {rows:N0} price_history rows in {KeptFolder} (--reseed to start over)");
        }

        // The rollups, as the ingestion's rollup step leaves them (a no-op when nothing is queued).
        var rollup = Stopwatch.StartNew();
        var queued = await postgres.ScalarAsync<long>("kasparro", "SELECT count(*) FROM price_rollup_queue");
        if (queued > 0)
        {
            await postgres.ExecuteAsync("kasparro", ReadSeed.RollUpQueuedSql);
            Console.WriteLine($"rolled up {queued:N0} queued (series, day) in {rollup.Elapsed.TotalSeconds:F0} s");
        }

        // Fresh statistics and visibility map, as autovacuum would leave them (a no-op when already done).
        await postgres.ExecuteAsync("kasparro", "VACUUM (ANALYZE) price_points", "VACUUM (ANALYZE) price_series", "VACUUM (ANALYZE) price_rollups_1h",
            "VACUUM (ANALYZE) price_rollups_1d", "VACUUM (ANALYZE) price_rollup_queue", "VACUUM (ANALYZE) normalized_records", "VACUUM (ANALYZE) assets");
        var observedUntil = await postgres.ScalarAsync<DateTime>("kasparro", "SELECT max(observed_at) FROM price_points");
        // A year up to the newest point: without 'to' the API reads a week from 'from'.
        var until = new DateTimeOffset(observedUntil, TimeSpan.Zero).AddHours(1);
        var range = $"from={until.AddDays(-365).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}&to={until.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}";
        await ExplainAsync(postgres, until);

        var port = Kasparro.AppHost.Postgres.LocalPostgresCluster.FindFreePort();
        // The API's default pool (two connections a core), set on both so the reference has exactly as many.
        var poolSize = Math.Max(2, 2 * Environment.ProcessorCount);
        // The default cache (256 MB) holds ~600 years; both layouts of 570 assets, the daily years and the hourly candles
        // take ~960 MB compressed, and the plain copies of the columns years (kept for clients that refuse gzip) ~620 MB
        // more. The default age (300 s) would expire every document the fills below rendered within minutes of each
        // other, all at once during the measured runs (570 renders a fill, ~0.2-0.4 s of a core each): the measured
        // steady state is the one a commit a second leaves, so the age is raised out of the way.
        using var api = await StartApiAsync(connectionString, port, new Dictionary<string, string>
        {
            ["DatabasePool__MaxConnections"] = $"{poolSize}",
            ["HistoryCache__SizeLimitMegabytes"] = "2048",
            ["HistoryCache__MaxAgeSeconds"] = "3600",
        });
        var referencePort = Kasparro.AppHost.Postgres.LocalPostgresCluster.FindFreePort();
        await using var reference = await ReferenceEndpoint.StartAsync(connectionString, referencePort, poolSize);
        try
        {
            var baseUrl = $"http://127.0.0.1:{port}";
            var referenceUrl = $"http://127.0.0.1:{referencePort}";
            var script = await ScriptAsync("history", AssetScript("history", $"{range}&interval=1h", gzip: true));
            var plainScript = await ScriptAsync("history-plain", AssetScript("history", $"{range}&interval=1h", gzip: false));
            var columnsScript = await ScriptAsync("history-columns", AssetScript("history", $"{range}&interval=1h&format=columns", gzip: false));
            var dailyScript = await ScriptAsync("history-daily", AssetScript("history", $"{range}&interval=1d", gzip: true));
            var hourlyCandles = await ScriptAsync("candles-hourly", AssetScript("candles", $"{range}&interval=1h", gzip: true));
            var dailyCandles = await ScriptAsync("candles-daily", AssetScript("candles", $"{range}&interval=1d", gzip: true));
            var tickers = await ScriptAsync("tickers", TickerScript);
            var sources = await ScriptAsync("sources", SourceScript);
            // Compared: measured against the reference too (interleaved, see MeasureAsync).
            var endpoints = new (string Name, string Path, string? Script, bool Compared)[]
            {
                ("GET /data?limit=50", "/data?limit=50", null, true),
                ("GET /data?limit=50&ticker=BTC", "/data?limit=50&ticker=BTC", null, true),
                ("GET /data?limit=50&ticker=(random of 570)", "/data", tickers, true),
                ("GET /data?limit=50&source=coingecko", "/data?limit=50&source=coingecko", null, true),
                ("GET /data?limit=50&source=(random)&offset=(0-450)", "/data", sources, true),
                ("GET /assets/{id}/history 1y 1h (random asset), gzip", "/assets/btc-bitcoin/history", script, false),
                ("GET /assets/{id}/history 1y 1h (random asset), plain", "/assets/btc-bitcoin/history", plainScript, false),
                ("GET /assets/{id}/history 1y 1d (random asset), gzip", "/assets/btc-bitcoin/history", dailyScript, false),
                // Not cached: every request reads the rollups (or, before them, the raw points).
                ("GET /assets/{id}/candles 1y 1h (random asset), gzip", "/assets/btc-bitcoin/candles", hourlyCandles, false),
                ("GET /assets/{id}/candles 1y 1d (random asset), gzip", "/assets/btc-bitcoin/candles", dailyCandles, false),
            };

            // --only: the endpoints whose name holds the text (say, "history"), for a quicker look at one of them.
            endpoints = [.. endpoints.Where(e => only is null || e.Name.Contains(only, StringComparison.OrdinalIgnoreCase))];
            using (var http = new HttpClient { BaseAddress = new Uri(baseUrl) })
            {
                foreach (var path in new[] { "/data?limit=50", "/data?limit=50&ticker=BTC", "/data?limit=50&source=coingecko", $"/assets/a77-coin-77/history?{range}&interval=1h",
                         $"/assets/a77-coin-77/history?{range}&interval=1h&format=columns" })
                {
                    var clock = Stopwatch.StartNew();
                    using var response = await http.GetAsync(path);
                    var body = await response.Content.ReadAsByteArrayAsync();
                    Console.WriteLine($"check {path}: {(int)response.StatusCode}, {body.Length:N0} bytes, {clock.Elapsed.TotalMilliseconds:F0} ms");
                }

                using var compressed = new HttpRequestMessage(HttpMethod.Get, $"/assets/a77-coin-77/history?{range}&interval=1h");
                compressed.Headers.AcceptEncoding.ParseAdd("gzip");
                using var gzipped = await http.SendAsync(compressed);
                Console.WriteLine($"check the same with Accept-Encoding: gzip: {(int)gzipped.StatusCode}, {(await gzipped.Content.ReadAsByteArrayAsync()).Length:N0} bytes");
            }

            // A fresh process is still tiering its JIT for the first ~30 s; a server runs for hours. Warm it once on
            // every endpoint before measuring, so the first endpoint measured does not carry that alone.
            foreach (var (_, path, lua, compared) in endpoints)
            {
                await WrkAsync(baseUrl + path, lua, 5, connections);
                if (compared)
                {
                    await WrkAsync(referenceUrl + path, lua, 5, connections);
                }
            }

            Console.WriteLine($"wrk -t2 -c{connections} -d{seconds}s --latency, after a 5 s warm-up on every endpoint, then 5 s on each before it is measured");
            Console.WriteLine($"{"endpoint",-52} {"req/s",9} {"p50 ms",8} {"p99 ms",8} {"errors",7}");
            var failed = false;
            // As an ETL run would: a commit every second, so cached totals are recounted and one asset's history changes.
            using var stopWriting = new CancellationTokenSource();
            var writer = noWrites ? Task.FromResult(0) : CommitEverySecondAsync(postgres, observedUntil, stopWriting.Token);
            var filled = false;
            async Task FillOnceAsync()
            {
                if (filled)
                {
                    return;
                }

                // Meanwhile the writer changed one asset a second, which nobody asked for: fill those in first (the
                // hourly years in both layouts for the comparison of the layouts; the others when they are measured).
                await FillHistoryCacheAsync(baseUrl, range, "&interval=1h");
                await FillHistoryCacheAsync(baseUrl, range, "&interval=1h&format=columns");
                foreach (var (resource, interval) in new[] { ("history", "1d"), ("candles", "1h"), ("candles", "1d") })
                {
                    if (endpoints.Any(e => e.Path.Contains(resource, StringComparison.Ordinal) && e.Name.Contains($"1y {interval}", StringComparison.Ordinal)))
                    {
                        await FillHistoryCacheAsync(baseUrl, range, $"&interval={interval}", resource);
                    }
                }

                filled = true;
            }

            foreach (var (name, path, lua, compared) in endpoints)
            {
                if (name.Contains("history", StringComparison.Ordinal) || name.Contains("candles", StringComparison.Ordinal))
                {
                    await FillOnceAsync();
                }

                await WrkAsync(baseUrl + path, lua, 5, connections);
                if (!compared)
                {
                    var result = await WrkAsync(baseUrl + path, lua, seconds, connections);
                    failed |= result.Errors > 0;
                    Console.WriteLine($"{name,-52} {result.RequestsPerSecond,9:N0} {result.P50Ms,8:F1} {result.P99Ms,8:F1} {result.Errors,7}");
                    continue;
                }

                // Interleaved, API then reference, twice: load from elsewhere on the machine then weighs on both alike.
                var apiRuns = new List<WrkResult>();
                var referenceRuns = new List<WrkResult>();
                for (var round = 0; round < 2; round++)
                {
                    apiRuns.Add(await WrkAsync(baseUrl + path, lua, seconds, connections));
                    referenceRuns.Add(await WrkAsync(referenceUrl + path, lua, seconds, connections));
                }

                var (ofApi, ofReference) = (WrkResult.Mean(apiRuns), WrkResult.Mean(referenceRuns));
                failed |= ofApi.Errors > 0 || ofReference.Errors > 0;
                Console.WriteLine($"{name,-52} {ofApi.RequestsPerSecond,9:N0} {ofApi.P50Ms,8:F1} {ofApi.P99Ms,8:F1} {ofApi.Errors,7}");
                Console.WriteLine($"{"  reference (slim, plain Npgsql), same query",-52} {ofReference.RequestsPerSecond,9:N0} {ofReference.P50Ms,8:F1} {ofReference.P99Ms,8:F1} {ofReference.Errors,7}");
                Console.WriteLine($"{"  API / reference",-52} {ofApi.RequestsPerSecond / ofReference.RequestsPerSecond,8:F2}x {"",8} {ofApi.P99Ms / ofReference.P99Ms,7:F2}x");
            }

            // --only columns: this comparison alone.
            if (only is null || filled || "format=columns".Contains(only, StringComparison.OrdinalIgnoreCase))
            {
                await FillOnceAsync();
                // The two layouts, interleaved as above, without compression.
                var historyUrl = baseUrl + "/assets/btc-bitcoin/history";
                await WrkAsync(historyUrl, columnsScript, 5, connections);
                var pointsRuns = new List<WrkResult>();
                var columnsRuns = new List<WrkResult>();
                for (var round = 0; round < 2; round++)
                {
                    pointsRuns.Add(await WrkAsync(historyUrl, plainScript, seconds, connections));
                    columnsRuns.Add(await WrkAsync(historyUrl, columnsScript, seconds, connections));
                }

                var (points, columns) = (WrkResult.Mean(pointsRuns), WrkResult.Mean(columnsRuns));
                failed |= points.Errors > 0 || columns.Errors > 0;
                Console.WriteLine($"history 1y 1h (random asset), no compression, interleaved: default JSON {points.RequestsPerSecond:N0} req/s, "
                    + $"p50 {points.P50Ms:F1} ms, p99 {points.P99Ms:F1} ms; format=columns {columns.RequestsPerSecond:N0} req/s, p50 {columns.P50Ms:F1} ms, "
                    + $"p99 {columns.P99Ms:F1} ms ({columns.P99Ms / points.P99Ms:F2}x the default's p99)");
            }

            await stopWriting.CancelAsync();
            Console.WriteLine($"commits (a latest record and one asset's history each) during the runs: {await writer:N0}");
            foreach (var file in new[] { script, plainScript, columnsScript, dailyScript, hourlyCandles, dailyCandles, tickers, sources })
            {
                File.Delete(file);
            }
            return failed ? 1 : 0;
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

    /// <summary>
    /// Asks once for every asset's year (4 at a time), as a running service's users would have: the measured runs are
    /// the steady state, in which one asset's history changes per second. Prints what rendering them all costs, which
    /// is also what follows an ETL run that changes every asset at once.
    /// </summary>
    private static async Task FillHistoryCacheAsync(string baseUrl, string range, string query, string endpoint = "history")
    {
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.GZip }) { BaseAddress = new Uri(baseUrl) };
        var clock = Stopwatch.StartNew();
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        await Parallel.ForAsync(1, ReadSeed.Assets + 1, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (a, cancellationToken) =>
        {
            var id = a == 1 ? "btc-bitcoin" : $"a{a}-coin-{a}";
            var one = Stopwatch.StartNew();
            using var response = await http.GetAsync($"/assets/{id}/{endpoint}?{range}{query}", cancellationToken);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            latencies.Add(one.Elapsed.TotalMilliseconds);
        });
        var sorted = latencies.Order().ToList();
        Console.WriteLine($"history cache filled ({endpoint} {query}): {ReadSeed.Assets} years rendered in {clock.Elapsed.TotalSeconds:F1} s, 4 at a time " +
            $"(p50 {sorted[sorted.Count / 2]:F0} ms, p99 {sorted[(int)(sorted.Count * 0.99)]:F0} ms each)");
    }

    /// <summary>
    /// Each request asks for a random asset's <paramref name="resource"/> (history or candles) with <paramref name="query"/>,
    /// as the dashboard's chart does (a year, hourly); accepting gzip as browsers and the dashboard do, or not at all.
    /// </summary>
    private static string AssetScript(string resource, string query, bool gzip) => $$"""
        math.randomseed(os.time())
        local headers = {{(gzip ? "{ [\"Accept-Encoding\"] = \"gzip\" }" : "{}")}}
        request = function()
          local a = math.random(1, {{ReadSeed.Assets}})
          local id = a == 1 and "btc-bitcoin" or string.format("a%d-coin-%d", a, a)
          return wrk.format("GET", "/assets/" .. id .. "/{{resource}}?{{query}}", headers)
        end
        """;

    /// <summary>Each request asks for the first page of a random ticker (case varies, as clients send it).</summary>
    private static string TickerScript => $$"""
        math.randomseed(os.time())
        request = function()
          local a = math.random(1, {{ReadSeed.Assets}})
          local ticker = a == 1 and "btc" or string.format("A%d", a)
          return wrk.format("GET", "/data?limit=50&ticker=" .. ticker)
        end
        """;

    /// <summary>Each request asks for one of the first ten pages of one of the two sources.</summary>
    private static string SourceScript => $$"""
        math.randomseed(os.time())
        local sources = { "coingecko", "coinpaprika" }
        request = function()
          local offset = 50 * math.random(0, 9)
          return wrk.format("GET", "/data?limit=50&source=" .. sources[math.random(1, 2)] .. "&offset=" .. offset)
        end
        """;

    internal static async Task<string> ScriptAsync(string name, string text)
    {
        var file = Path.Combine(Path.GetTempPath(), $"kasparro-{name}-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(file, text);
        return file;
    }

    /// <summary>
    /// Once a second until cancelled, as an ETL run would: touches one latest record (a new ingested_at) and rewrites one
    /// asset's newest history point (the history trigger then tells the API to drop that asset's cached responses).
    /// Returns the number of commits.
    /// </summary>
    private static async Task<int> CommitEverySecondAsync(PostgresServer postgres, DateTime observedUntil, CancellationToken cancellationToken)
    {
        var commits = 0;
        await using var connection = new Npgsql.NpgsqlConnection(postgres.ConnectionString("kasparro"));
        await connection.OpenAsync(CancellationToken.None);
        // One batch (a multi-statement command cannot take parameters), one implicit transaction.
        await using var touch = new Npgsql.NpgsqlBatch(connection);
        var latest = new Npgsql.NpgsqlBatchCommand(
            "UPDATE normalized_records SET ingested_at = now() WHERE id = format('coingecko_coingecko-%s', 1 + $1 % 20000)");
        var history = new Npgsql.NpgsqlBatchCommand("""
            UPDATE price_history SET price_usd = round(price_usd * 1.0001, 8)
             WHERE source = 'coingecko' AND source_id = format('coingecko-%s', 1 + $1 % 570) AND observed_at = $2
            """);
        var parameter = new Npgsql.NpgsqlParameter<int> { TypedValue = 0 };
        var sameParameter = new Npgsql.NpgsqlParameter<int> { TypedValue = 0 };
        latest.Parameters.Add(parameter);
        history.Parameters.Add(sameParameter);
        history.Parameters.Add(new Npgsql.NpgsqlParameter<DateTime> { TypedValue = observedUntil });
        touch.BatchCommands.Add(latest);
        touch.BatchCommands.Add(history);
        while (!cancellationToken.IsCancellationRequested)
        {
            parameter.TypedValue = sameParameter.TypedValue = commits;
            await touch.ExecuteNonQueryAsync(CancellationToken.None);
            commits++;
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return commits;
    }

    private static async Task ExplainAsync(PostgresServer postgres, DateTimeOffset until)
    {
        var queries = new (string Name, string Sql)[]
        {
            ("/data page", "SELECT * FROM normalized_records ORDER BY id LIMIT 50"),
            ("/data count", "SELECT count(*) FROM normalized_records"),
            ("/data ticker page", "SELECT * FROM normalized_records WHERE upper(ticker) = 'BTC' ORDER BY id LIMIT 50"),
            ("/data source page", "SELECT * FROM normalized_records WHERE source = 'coingecko' ORDER BY id LIMIT 50"),
            ("/data source count", "SELECT count(*) FROM normalized_records WHERE source = 'coingecko'"),
            ("/data total cache key", "SELECT pg_current_snapshot()::text"),
            ("history 7 days raw (each series a range scan of the points' key in the partitions the week touches)", $"""
                SELECT s.source, p.observed_at, p.price_usd, p.market_cap_usd, p.volume_24h_usd
                  FROM asset_mappings m
                  JOIN price_series s ON s.source = m.source COLLATE "C" AND s.source_id = m.source_id COLLATE "C"
                  JOIN price_points p ON p.series_id = s.id
                 WHERE m.asset_id = 'a77-coin-77' AND p.observed_at >= '{until.AddDays(-7):O}' AND p.observed_at < '{until:O}'
                 ORDER BY p.observed_at
                """),
        };
        var output = new StringBuilder();
        foreach (var (name, sql) in queries)
        {
            output.AppendLine($"-- {name}");
            await using var connection = new Npgsql.NpgsqlConnection(postgres.ConnectionString("kasparro"));
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand($"EXPLAIN (ANALYZE, BUFFERS) {sql}", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                output.AppendLine(reader.GetString(0));
            }
        }

        var file = Path.Combine(Path.GetTempPath(), "kasparro-read-explain.txt");
        await File.WriteAllTextAsync(file, output.ToString());
        Console.WriteLine($"query plans (EXPLAIN ANALYZE): {file}");
    }

    internal static async Task<Process> StartApiAsync(string connectionString, int port, IReadOnlyDictionary<string, string>? settings = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "run", "-c", "Release", "--no-launch-profile", "--project", ApiProject() })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ConnectionStrings__kasparro"] = connectionString;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // The limiter would answer 429s: the benchmark measures the endpoints, not the limiter.
        start.Environment["RateLimiting__PermitsPerWindow"] = "1000000";
        start.Environment["RateLimiting__WindowSeconds"] = "1";
        // Production refuses reads without a key (401); wrk sends none. The authentication middleware still runs.
        start.Environment["Api__AllowAnonymousRead"] = "true";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the API");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"api: {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/health");
                if (response.IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the API did not become healthy");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>The Kasparro.Api project folder, as <see cref="StartApiAsync"/> runs it.</summary>
    internal static string ApiProject() => Path.Combine(RepositoryRoot(), "Kasparro.Api");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kasparro.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run the benchmark from inside the repository");
    }

    internal static async Task<WrkResult> WrkAsync(string url, string? script, int seconds, int connections)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
        var args = new List<string> { "-t2", $"-c{connections}", $"-d{seconds}s", "--latency", "--timeout", "10s" };
        if (script is not null)
        {
            args.AddRange(["-s", script]);
        }

        args.Add(url);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk not found: apt-get install -y wrk");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return WrkResult.Parse(output);
    }

    /// <summary>The figures of one wrk run.</summary>
    internal sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Errors)
    {
        /// <summary>The mean of equal-length runs (errors summed).</summary>
        public static WrkResult Mean(IReadOnlyCollection<WrkResult> runs) => new(
            runs.Average(r => r.RequestsPerSecond), runs.Average(r => r.P50Ms), runs.Average(r => r.P99Ms), runs.Sum(r => r.Errors));

        public static WrkResult Parse(string output)
        {
            var rps = double.Parse(RequestsPerSecondLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
            var non2xx = NonSuccessLine().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            var socket = SocketErrorsLine().Match(output) is { Success: true } s
                ? s.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture))
                : 0;
            return new WrkResult(rps, Percentile(output, "50%"), Percentile(output, "99%"), non2xx + socket);
        }

        private static double Percentile(string output, string label)
        {
            var match = Regex.Match(output, $@"^\s*{Regex.Escape(label)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
            var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
        }
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecondLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccessLine();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsLine();
}
