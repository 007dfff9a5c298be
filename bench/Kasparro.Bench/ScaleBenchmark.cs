using System.Diagnostics;
using System.Globalization;
using Kasparro.Data;
using Kasparro.Ingestion.History;
using Microsoft.Extensions.Logging.Abstractions;
using Kasparro.Testing;
using Npgsql;

namespace Kasparro.Bench;

/// <summary>
/// <c>scale</c> (issue 16's targets): seeds a history of <c>--rows</c> observations (<see cref="ScaleSeed"/>), then
/// measures in one run (1) storage per observation over price_points' partitions, price_series, the rollup tables and
/// their queue, (2) the real CSV pipeline loading the same <c>--load-rows</c> rows into an empty database
/// and, appended to existing series, into the seeded one, (3) the rollups against a recomputation from the points on a
/// sample of series, and (4) read latency at 32 connections (wrk) of year-long bucketed history and candles, a week of
/// raw history and <c>/data?limit=50</c>, with and without gzip.
/// </summary>
public static class ScaleBenchmark
{
    private const string Database = "kasparro";

    /// <summary>
    /// The whole run; <paramref name="skipReads"/> leaves out the reads, <paramref name="readsOnly"/> the loads and the
    /// rollup check (minutes), to measure the reads sooner. <paramref name="keptFolder"/> keeps the server and its seeded
    /// database there: a later run with the same folder (the same month and <c>--rows</c>) skips the seed and the
    /// compaction (most of an hour at 100M) and goes straight to what it measures, so the reads can be measured again
    /// on a quiet machine.
    /// </summary>
    public static async Task<int> RunAsync(long rows, int? series, long loadRows, int seconds, int connections, int compactAfterDays, bool skipReads,
        bool readsOnly, int? cacheMegabytes, bool fillCache, string? keptFolder)
    {
        // The loaded CSV continues the seeded series right after the seed's end, and all of it should land in the seed's
        // newest partition (as the next 10-minute runs would): the seed ends that long before this month starts.
        var mainSeries = ScaleSeed.For(rows, series, DateTimeOffset.UtcNow).Series;
        var loadSymbols = Math.Min(2_000, mainSeries);
        var loadWindow = ScaleSeed.Step * Math.Ceiling((double)loadRows / loadSymbols);
        var thisMonth = new DateTimeOffset(HistoryStorage.MonthOf(DateTimeOffset.UtcNow));
        var seed = ScaleSeed.For(rows, series, thisMonth - loadWindow - ScaleSeed.Step);
        Console.WriteLine($"seeding {seed}");
        if (loadWindow > TimeSpan.FromDays(27))
        {
            Console.WriteLine($"note: {loadRows:N0} rows over {loadSymbols:N0} series span {loadWindow.TotalDays:F0} days, more than the seed's newest month");
        }

        await using var postgres = await BenchServer.StartAsync(keptFolder);
        var connectionString = await postgres.CreateBenchDatabaseAsync(Database);
        var failed = false;
        if (await SeededAsync(postgres) is { } seededUntil)
        {
            if (seededUntil != seed.End.UtcDateTime)
            {
                Console.WriteLine($"{keptFolder} holds a seed ending {seededUntil:O}, not {seed.End:O} (another month or --rows): remove the folder to seed again");
                return 2;
            }

            Console.WriteLine($"reusing the seed kept in {keptFolder}: no seed, no compaction");
            // Idempotent, as the upkeep runs it again: a kept seed of an earlier build gets what this one's upkeep does.
            await RepackClosedMonthKeysAsync(connectionString);
            // An earlier run's loads appended their rows after the seed: counted, so the bytes are per point actually stored.
            var loaded = await postgres.ScalarAsync<long>(Database, $"SELECT count(*) FROM {HistoryStorage.PointsTable} WHERE observed_at > '{seed.End:O}'");
            await PrintStorageAsync(postgres, seed.Rows + loaded);
        }
        else
        {
            failed |= !await SeedAndCompactAsync(postgres, connectionString, seed, compactAfterDays);
            if (keptFolder is not null)
            {
                await postgres.ExecuteAsync(Database, $"CREATE TABLE {SeedMarker} (seed_end timestamptz NOT NULL)",
                    $"INSERT INTO {SeedMarker} VALUES ('{seed.End:O}')");
            }
        }

        if (readsOnly)
        {
            Console.WriteLine("--reads-only: no loads, no rollup check");
        }
        else
        {
            failed |= !await CompareLoadsAsync(postgres, connectionString, seed, loadRows, loadSymbols);
            failed |= await RollupCheck.CompareAsync(postgres, Database, sample: 1_000) > 0;
        }

        if (!skipReads)
        {
            failed |= !await MeasureReadsAsync(connectionString, seed, seconds, connections, cacheMegabytes, fillCache);
        }

        return failed ? 1 : 0;
    }

    /// <summary>The table a kept seed is marked with once written and compacted: a seed cut short is not reused.</summary>
    private const string SeedMarker = "bench_scale_seed";

    /// <summary>The end of the complete seed kept in the database, or null when there is none.</summary>
    private static async Task<DateTime?> SeededAsync(PostgresServer postgres) =>
        await postgres.ScalarAsync<bool>(Database, $"SELECT to_regclass('{SeedMarker}') IS NOT NULL")
            ? await postgres.ScalarAsync<DateTime>(Database, $"SELECT seed_end FROM {SeedMarker}")
            : null;

    /// <summary>Seeds, rolls the seed up, prints its storage, then compacts the cold months and prints it again. False when the compaction check failed.</summary>
    private static async Task<bool> SeedAndCompactAsync(PostgresServer postgres, string connectionString, ScaleSeed seed, int compactAfterDays)
    {
        await seed.WriteAsync(connectionString);
        var vacuum = Stopwatch.StartNew();
        // The checkpoint writes the seed out now: otherwise it is written during the first load measured below.
        await postgres.ExecuteAsync(Database, "VACUUM (ANALYZE) price_points", "VACUUM (ANALYZE) price_series", "ANALYZE assets", "ANALYZE asset_mappings",
            "ANALYZE normalized_records", "CHECKPOINT");
        Console.WriteLine($"VACUUM (ANALYZE), as autovacuum would leave the tables, and CHECKPOINT: {vacuum.Elapsed.TotalSeconds:F0} s");
        await RollupCheck.RollUpSeedAsync(postgres, Database);
        await postgres.ExecuteAsync(Database, $"VACUUM (ANALYZE) {HistoryRollups.Hourly}", $"VACUUM (ANALYZE) {HistoryRollups.Daily}",
            $"VACUUM (ANALYZE) {HistoryRollups.QueueTable}", "CHECKPOINT");
        await RepackClosedMonthKeysAsync(connectionString);
        await PrintStorageAsync(postgres, seed.Rows);
        if (compactAfterDays <= 0)
        {
            return true;
        }

        var compacted = await CompactionCheck.RunAsync(connectionString, compactAfterDays, seed.End, seed.Series);
        await postgres.ExecuteAsync(Database, $"VACUUM (ANALYZE) {HistoryCompaction.ChunksTable}", $"VACUUM (ANALYZE) {HistoryRollups.HourlyEncoded}", "CHECKPOINT");
        await PrintStorageAsync(postgres, seed.Rows);
        return compacted;
    }

    /// <summary>
    /// What the history upkeep does to the months that have ended (<see cref="ClosedMonthKeys"/>): their keys, left loose
    /// by time-ordered writes, rebuilt packed. It runs a day after each month ends, so a history of past months has it.
    /// </summary>
    private static async Task RepackClosedMonthKeysAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var clock = Stopwatch.StartNew();
        var repacked = await new ClosedMonthKeys(dataSource, TimeProvider.System, NullLogger.Instance).RepackAsync(CancellationToken.None);
        Console.WriteLine($"closed months' keys rebuilt packed (upkeep): {repacked.Count} in {clock.Elapsed.TotalSeconds:F0} s, " +
            $"{repacked.Sum(k => k.BytesBefore) / 1048576.0:N1} MB to {repacked.Sum(k => k.BytesAfter) / 1048576.0:N1} MB");
    }

    /// <summary>Bytes per observation: heap (with TOAST, free-space and visibility maps) and indexes of every leaf table.</summary>
    private static async Task PrintStorageAsync(PostgresServer postgres, long observations)
    {
        Console.WriteLine($"storage of {observations:N0} observations (pg_table_size + pg_indexes_size of every partition):");
        Console.WriteLine($"  {"table",-24} {"tables",6} {"heap MB",10} {"index MB",10} {"total MB",10} {"bytes/obs",10}");
        var total = 0L;
        foreach (var table in (string[])[HistoryStorage.PointsTable, HistoryCompaction.ChunksTable, HistoryStorage.SeriesTable, .. HistoryRollups.Tables, HistoryRollups.HourlyEncoded, HistoryRollups.QueueTable])
        {
            var (leaves, heap, index) = await SizeAsync(postgres, $"""
                WITH leaves AS (SELECT relid FROM pg_partition_tree('{table}') WHERE isleaf
                                UNION SELECT '{table}'::regclass)  -- a plain table is no tree: itself
                SELECT count(*), coalesce(sum(pg_table_size(relid)), 0)::bigint, coalesce(sum(pg_indexes_size(relid)), 0)::bigint
                  FROM leaves JOIN pg_class c ON c.oid = relid WHERE c.relkind = 'r'
                """);
            total += heap + index;
            Console.WriteLine($"  {table,-24} {leaves,6} {heap / 1048576.0,10:N1} {index / 1048576.0,10:N1} {(heap + index) / 1048576.0,10:N1} " +
                $"{(double)(heap + index) / observations,10:F1}");
        }

        Console.WriteLine($"  {"all",-24} {"",6} {"",10} {"",10} {total / 1048576.0,10:N1} {(double)total / observations,10:F1}   (target <= 100 bytes/obs)");
        // The newest month holds a whole month of every series: what a hot partition costs per row.
        var (rowsInNewest, heapOfNewest, indexOfNewest) = await SizeAsync(postgres, $"""
            SELECT c.reltuples::bigint, pg_table_size(c.oid), pg_indexes_size(c.oid)
              FROM pg_partition_tree('{HistoryStorage.PointsTable}') t JOIN pg_class c ON c.oid = t.relid
             WHERE t.isleaf AND c.reltuples > 0 ORDER BY c.reltuples DESC LIMIT 1
            """);
        if (rowsInNewest == 0)
        {
            Console.WriteLine("  fullest partition: none holds rows (every month compacted)");
            return;
        }

        Console.WriteLine($"  fullest partition: ~{rowsInNewest:N0} rows, {(double)heapOfNewest / rowsInNewest:F1} heap + {(double)indexOfNewest / rowsInNewest:F1} index " +
            $"= {(double)(heapOfNewest + indexOfNewest) / rowsInNewest:F1} bytes a row (rows as estimated by ANALYZE)");
    }

    private static async Task<(long, long, long)> SizeAsync(PostgresServer postgres, string sql)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString(Database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)) : (0, 0, 0);
    }

    /// <summary>
    /// The same CSV through the real pipeline (<see cref="LoadChild"/>), first into an empty database, then into the
    /// seeded one, where it appends to existing series in the newest partition as the next runs would. False on a failed run.
    /// </summary>
    private static async Task<bool> CompareLoadsAsync(PostgresServer postgres, string seeded, ScaleSeed seed, long loadRows, int symbols)
    {
        var folder = Path.Combine("/var/tmp", $"kasparro-bench-scale-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var csv = Path.Combine(folder, "prices.csv");
            MarketCsv.Write(csv, loadRows, symbols, seed.End + ScaleSeed.Step, ScaleSeed.Step);
            var empty = await postgres.CreateBenchDatabaseAsync("empty");
            await postgres.ResetStatementsAsync();
            var serverCpu = postgres.CpuSeconds();
            var intoEmpty = await LoadBenchmark.RunChildAsync(csv, empty);
            var serverCpuIntoEmpty = postgres.CpuSeconds() - serverCpu;
            var storedInEmpty = await postgres.ScalarAsync<long>("empty", $"SELECT count(*) FROM {HistoryStorage.PointsTable}");
            PrintLoad("into an empty database", intoEmpty, serverCpuIntoEmpty, loadRows, storedInEmpty);
            await postgres.PrintStatementsAsync("of the load into an empty database");
            NpgsqlConnection.ClearAllPools();
            await postgres.ExecuteAsync("postgres", "DROP DATABASE empty WITH (FORCE)");
            await postgres.ResetStatementsAsync();
            serverCpu = postgres.CpuSeconds();
            var intoSeeded = await LoadBenchmark.RunChildAsync(csv, seeded);
            var serverCpuIntoSeeded = postgres.CpuSeconds() - serverCpu;
            var storedInSeeded = await postgres.ScalarAsync<long>(Database,
                $"SELECT count(*) FROM {HistoryStorage.PointsTable} WHERE observed_at > '{seed.End:O}'");
            PrintLoad($"into the {seed.Rows:N0}-row database", intoSeeded, serverCpuIntoSeeded, loadRows, storedInSeeded);
            await postgres.PrintStatementsAsync("of the load into the seeded database");
            // CPU seconds (pipeline + PostgreSQL) as well as wall time: on a shared machine the wall time moves with the neighbours.
            Console.WriteLine($"load ratio, seeded / empty: {intoSeeded.Seconds / intoEmpty.Seconds:F2}x the wall time, " +
                $"{(intoSeeded.CpuSeconds + serverCpuIntoSeeded) / (intoEmpty.CpuSeconds + serverCpuIntoEmpty):F2}x the CPU seconds (target <= 1.15x)");
            return intoEmpty is { Status: "success" } && intoSeeded is { Status: "success" } && storedInEmpty == loadRows && storedInSeeded == loadRows;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void PrintLoad(string label, LoadBenchmark.ChildResult child, double serverCpu, long rows, long pointsStored) =>
        Console.WriteLine($"load {rows:N0} CSV rows {label}: {child.Seconds:F1} s, {rows / child.Seconds:N0} rows/s, status {child.Status}, " +
            $"{pointsStored:N0} points stored; CPU: pipeline {child.CpuSeconds:F1} s, PostgreSQL {serverCpu:F1} s");

    /// <summary>
    /// wrk against Kasparro.Api (its defaults, or a history cache of <paramref name="cacheMegabytes"/>) for random assets;
    /// <paramref name="fillCache"/> first asks for every asset's documents once, as a server that has been up a while holds
    /// them. False when a request failed.
    /// </summary>
    private static async Task<bool> MeasureReadsAsync(string connectionString, ScaleSeed seed, int seconds, int connections, int? cacheMegabytes,
        bool fillCache)
    {
        var until = seed.End + ScaleSeed.Step;
        string Range(TimeSpan length) =>
            $"from={(until - length).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}&to={until.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}";
        var year = Range(TimeSpan.FromDays(365));
        var endpoints = new List<(string Name, string Query, bool Gzip, double TargetMs)>();
        foreach (var gzip in new[] { true, false })
        {
            foreach (var (kind, interval) in new[] { ("history", "1d"), ("history", "1h"), ("candles", "1d"), ("candles", "1h") })
            {
                endpoints.Add(($"GET /assets/{{id}}/{kind} 1y {interval}", $"{kind}?{year}&interval={interval}", gzip, 30));
            }

            endpoints.Add(("GET /assets/{id}/history 7d raw", $"history?{Range(TimeSpan.FromDays(7))}&interval=raw", gzip, 30));
        }

        var port = Kasparro.AppHost.Postgres.LocalPostgresCluster.FindFreePort();
        using var api = await ReadBenchmark.StartApiAsync(connectionString, port,
            cacheMegabytes is { } megabytes ? new Dictionary<string, string> { ["HistoryCache__SizeLimitMegabytes"] = $"{megabytes}" } : null);
        var cacheText = (cacheMegabytes is { } size ? $"a {size:N0} MB history cache" : "256 MB history cache") + " and its default document age";
        var baseUrl = $"http://127.0.0.1:{port}";
        var metrics = await ApiMetrics.CreateAsync(connectionString, baseUrl, ReadBenchmark.ApiProject());
        var scripts = new List<string>();
        try
        {
            using (var http = new HttpClient { BaseAddress = new Uri(baseUrl) })
            {
                // One request each before any load: what a year costs read from the database, and that every URL answers.
                foreach (var (name, query, gzip, _) in endpoints.Where(e => e.Gzip))
                {
                    var clock = Stopwatch.StartNew();
                    using var response = await http.GetAsync($"/assets/{ScaleSeed.AssetIdPrefix}1/{query}");
                    var body = await response.Content.ReadAsByteArrayAsync();
                    Console.WriteLine($"first request {name}: {(int)response.StatusCode}, {body.Length:N0} bytes, {clock.Elapsed.TotalMilliseconds:F0} ms");
                    if (!response.IsSuccessStatusCode)
                    {
                        return false;
                    }
                }
            }

            if (fillCache)
            {
                await FillCacheAsync(baseUrl, seed.Series, endpoints.Where(e => e.Gzip).Select(e => e.Query).ToList());
            }

            // As the read benchmark does: a fresh process tiers its JIT for the first ~30 s, so every endpoint is warmed once
            // before any is measured, and again for 5 s right before its own measurement.
            var runs = new List<(string Name, string Url, string? Script, bool Gzip, double TargetMs)>();
            foreach (var (name, query, gzip, target) in endpoints)
            {
                var script = await ReadBenchmark.ScriptAsync("scale", RandomAssetScript(seed.Series, query, gzip));
                scripts.Add(script);
                runs.Add((name, baseUrl + "/", script, gzip, target));
            }

            runs.Add(("GET /data?limit=50", baseUrl + "/data?limit=50", null, false, 20));
            foreach (var run in runs)
            {
                await ReadBenchmark.WrkAsync(run.Url, run.Script, 5, connections);
            }

            Console.WriteLine($"wrk -t2 -c{connections} -d{seconds}s --latency, random asset of {seed.Series:N0} per request, after a 5 s warm-up on every endpoint, " +
                $"then 5 s on each before it is measured; the API's defaults (2 pooled connections a core, {cacheText}); load average {string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ')[..3])} on {Environment.ProcessorCount} cores");
            Console.WriteLine($"{"endpoint",-46} {"gzip",5} {"req/s",9} {"p50 ms",8} {"p99 ms",8} {"errors",7} {"target",8}");
            var failed = false;
            foreach (var (name, url, script, gzip, target) in runs)
            {
                await ReadBenchmark.WrkAsync(url, script, 5, connections);
                var before = await metrics.ReadAsync();
                var result = await ReadBenchmark.WrkAsync(url, script, seconds, connections);
                var after = await metrics.ReadAsync();
                failed |= result.Errors > 0;
                Console.WriteLine($"{name,-46} {(gzip ? "yes" : "no"),5} {result.RequestsPerSecond,9:N0} {result.P50Ms,8:F1} {result.P99Ms,8:F1} {result.Errors,7} " +
                    $"{(result.P99Ms < target ? "met" : "MISSED"),8}   {ApiMetrics.Describe(before, after)}");
            }

            return !failed;
        }
        finally
        {
            scripts.ForEach(File.Delete);
            if (!api.HasExited)
            {
                api.Kill(entireProcessTree: true);
                await api.WaitForExitAsync();
            }
        }
    }

    /// <summary>Every asset's documents asked for once (gzip: the form the cache keeps), four at a time; prints the time.</summary>
    private static async Task FillCacheAsync(string baseUrl, int assets, IReadOnlyList<string> queries)
    {
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = System.Net.DecompressionMethods.None }) { BaseAddress = new Uri(baseUrl) };
        var requests = Enumerable.Range(1, assets).SelectMany(asset => queries.Select(query => $"/assets/{ScaleSeed.AssetIdPrefix}{asset}/{query}"));
        long bytes = 0;
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (url, cancel) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.AcceptEncoding.ParseAdd("gzip");
            using var response = await http.SendAsync(request, cancel);
            response.EnsureSuccessStatusCode();
            Interlocked.Add(ref bytes, (await response.Content.ReadAsByteArrayAsync(cancel)).LongLength);
        });
        Console.WriteLine($"history cache filled: {assets:N0} assets x {queries.Count} documents in {clock.Elapsed.TotalSeconds:F0} s, 4 at a time, " +
            $"{bytes / 1024.0 / 1024.0:N0} MB compressed");
    }

    /// <summary>Each request asks for <paramref name="query"/> of a random seeded asset, accepting gzip as browsers do, or not at all.</summary>
    private static string RandomAssetScript(int assets, string query, bool gzip) => $$"""
        math.randomseed(os.time())
        local headers = {{(gzip ? "{ [\"Accept-Encoding\"] = \"gzip\" }" : "{}")}}
        request = function()
          return wrk.format("GET", "/assets/{{ScaleSeed.AssetIdPrefix}}" .. math.random(1, {{assets}}) .. "/{{query}}", headers)
        end
        """;
}
