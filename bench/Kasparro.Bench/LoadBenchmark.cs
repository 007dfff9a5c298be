using Kasparro.Data;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Kasparro.Testing;
using Npgsql;
using NpgsqlTypes;

namespace Kasparro.Bench;

/// <summary>
/// <c>load</c>: the same generated CSV loaded twice on one PostgreSQL server, (a) as a bare binary COPY of the
/// already-parsed rows into one unindexed table (the physical limit of this machine) and (b) end to end through
/// the real pipeline in a child process (so its peak RSS is its own). Prints both rates and the ratio.
/// </summary>
public static class LoadBenchmark
{
    /// <summary>
    /// One load per size in <paramref name="sizes"/>, one after another (each its own CSV and server), then a line per
    /// size side by side: issue 17 asks for 1M and 5M rows in the same run, where the process's one-time costs (start,
    /// JIT) weigh five times less a row at 5M and peak RSS must stay flat. The CPU between the smallest and the largest
    /// size, divided by the rows between them, is what a row costs once those one-time costs are paid.
    /// </summary>
    public static async Task<int> RunSizesAsync(IReadOnlyList<long> sizes, int symbols, bool skipBaseline)
    {
        var summaries = new List<SizeSummary>();
        var exitCode = 0;
        foreach (var rows in sizes)
        {
            if (sizes.Count > 1)
            {
                Console.WriteLine($"== {rows:N0} rows ==");
            }

            exitCode = Math.Max(exitCode, await RunAsync(rows, symbols, skipBaseline, summaries));
        }

        if (summaries.Count > 1)
        {
            Console.WriteLine("sizes:");
            summaries.ForEach(summary => Console.WriteLine($"  {summary.Line}"));
            var (first, last) = (summaries.MinBy(s => s.Rows)!, summaries.MaxBy(s => s.Rows)!);
            if (last.Rows > first.Rows)
            {
                Console.WriteLine($"  marginal: {(last.CpuSeconds - first.CpuSeconds) * 1e6 / (last.Rows - first.Rows):F2} us of pipeline process CPU a row " +
                    $"from {first.Rows:N0} to {last.Rows:N0} rows (start and JIT paid once)");
            }
        }

        return exitCode;
    }

    /// <summary>One size's figures for the closing side-by-side block.</summary>
    private sealed record SizeSummary(long Rows, double CpuSeconds, string Line);

    private static async Task<int> RunAsync(long rows, int symbols, bool skipBaseline, List<SizeSummary> summaries)
    {
        var folder = Path.Combine("/var/tmp", $"kasparro-bench-load-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var csv = Path.Combine(folder, "prices.csv");
        try
        {
            var generate = Stopwatch.StartNew();
            MarketCsv.Write(csv, rows, symbols);
            Console.WriteLine($"generated {rows:N0} rows ({symbols:N0} symbols) in {generate.Elapsed.TotalSeconds:F1} s: {new FileInfo(csv).Length / 1048576.0:F0} MB");

            await using var postgres = await BenchServer.StartAsync();
            double? bareRate = null, keyedRate = null;
            if (!skipBaseline)
            {
                bareRate = await BareCopyAsync(postgres, csv, rows);
                keyedRate = await KeyedCopyAsync(postgres, csv, rows, bareRate.Value);
                await NarrowestKeyCopyAsync(postgres, csv, rows, bareRate.Value);
            }

            var connectionString = await postgres.CreateBenchDatabaseAsync("pipeline");
            await postgres.ResetStatementsAsync();
            var serverCpu = postgres.CpuSeconds();
            var child = await RunChildAsync(csv, connectionString);
            serverCpu = postgres.CpuSeconds() - serverCpu;
            var pipelineRate = rows / child.Seconds;
            Console.WriteLine($"pipeline:  {child.Seconds:F1} s, {pipelineRate:N0} rows/s, peak RSS {child.PeakRssMb:F0} MB, status {child.Status}, " +
                $"fetched {child.Fetched:N0}, inserted {child.Inserted:N0}, updated {child.Updated:N0}, unchanged {child.Unchanged:N0}, quarantined {child.Quarantined:N0}");
            Console.WriteLine($"CPU:       pipeline process {child.CpuSeconds:F2} s ({child.CpuSeconds * 1e6 / rows:F2} us a row; {child.StartupCpuSeconds:F2} s of it before the run started, " +
                $"JIT {child.JitSeconds:F2} s for {child.JittedMethods:N0} methods{(IngestionRuntime.IsReadyToRun ? ", ReadyToRun publish" : "")}), PostgreSQL {serverCpu:F1} s, over {child.Seconds:F1} s on {Environment.ProcessorCount} cores");
            Console.WriteLine($"threads:   CPU seconds by thread name: {string.Join(", ", child.CpuByThreadName.Where(t => t.Value >= 0.01).OrderByDescending(t => t.Value).Select(t => $"{t.Key} {t.Value:F2}"))}");
            Console.WriteLine($"GC:        pipeline process allocated {child.AllocatedMb:N0} MB ({child.AllocatedMb * 1048576 / rows:N0} bytes a row), " +
                $"collections gen0 {child.Gen0}, gen1 {child.Gen1}, gen2 {child.Gen2}, paused {child.GcPauseSeconds:F2} s");
            await postgres.PrintStatementsAsync("of the pipeline");

            var stored = await postgres.ScalarAsync<long>("pipeline", "SELECT count(*) FROM price_points");
            var raw = await postgres.ScalarAsync<long>("pipeline", "SELECT count(*) FROM raw_records");
            Console.WriteLine($"stored:    price_points {stored:N0}, raw_records {raw:N0}");
            var ratios = "";
            if (bareRate is { } bare && keyedRate is { } keyed)
            {
                ratios = $"{pipelineRate / keyed:F2}x of the keyed COPY, {pipelineRate / bare:F2}x of bare";
                Console.WriteLine($"ratio:     {pipelineRate / keyed:F2}x of the keyed COPY into the history (target >= 0.85x), {pipelineRate / bare:F2}x of bare COPY");
            }

            var warm = await WarmRunAsync(postgres, folder, csv, rows);
            summaries.Add(new SizeSummary(rows, child.CpuSeconds, $"{rows,13:N0} rows: pipeline process CPU {child.CpuSeconds * 1e6 / rows:F2} us a row ({child.CpuSeconds:F2} s, JIT {child.JitSeconds:F2} s; " +
                $"warm {warm.CpuSeconds * 1e6 / rows:F2} us a row), " +
                $"{child.AllocatedMb * 1048576 / rows:N0} bytes a row, peak RSS {child.PeakRssMb:F0} MB, {child.Seconds:F1} s wall {ratios}".TrimEnd()));

            return child.Status is "success" && stored == rows && warm.Status is "success" ? 0 : 1;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Rows of the warm-up load that <see cref="WarmRunAsync"/> runs before the measured one: one batch of other coins.</summary>
    private const int WarmUpRows = 20_000;

    /// <summary>
    /// The warm figure beside the cold one: the same CSV through the same pipeline in a child that first loaded a small
    /// other file (<see cref="WarmUpRows"/> rows of other coins, a year earlier) into its own database, as the long-running
    /// service is after its first run: start-up and most of the JIT are paid. The cold figure stays the headline (issue 17).
    /// </summary>
    private static async Task<ChildResult> WarmRunAsync(PostgresServer postgres, string folder, string csv, long rows)
    {
        var inbox = Directory.CreateDirectory(Path.Combine(folder, "warm-inbox")).FullName;
        var warmUpCsv = Path.Combine(inbox, "0-warm-up.csv");
        MarketCsv.Write(warmUpCsv, WarmUpRows, 200, new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), symbolPrefix: 'W');
        var connectionString = await postgres.CreateBenchDatabaseAsync("warm");
        var warm = await RunChildAsync(csv, connectionString, warmUpCsv);
        var stored = await postgres.ScalarAsync<long>("warm", "SELECT count(*) FROM price_points");
        Console.WriteLine($"warm:      {warm.CpuSeconds:F2} s of pipeline process CPU ({warm.CpuSeconds * 1e6 / rows:F2} us a row; JIT {warm.JitSeconds:F2} s for {warm.JittedMethods:N0} methods) " +
            $"for the same load in a process that had loaded {WarmUpRows:N0} other rows first; {warm.Seconds:F1} s wall, allocated {warm.AllocatedMb * 1048576 / rows:N0} bytes a row, " +
            $"GC {warm.Gen0}/{warm.Gen1}/{warm.Gen2}, paused {warm.GcPauseSeconds:F2} s, status {warm.Status}, stored {stored - WarmUpRows:N0}");
        return stored == rows + WarmUpRows ? warm : warm with { Status = $"{warm.Status}, but stored {stored - WarmUpRows:N0} of {rows:N0}" };
    }

    private static async Task<double> BareCopyAsync(PostgresServer postgres, string csv, long rows)
    {
        await postgres.ExecuteAsync("postgres", "CREATE DATABASE bare");
        await postgres.ExecuteAsync("bare", """
            CREATE TABLE bare_prices (symbol text NOT NULL, name text, price_usd numeric NOT NULL, market_cap_usd numeric,
                                      volume_24h_usd numeric, percent_change_24h numeric, created_at timestamptz NOT NULL)
            """);
        var seconds = await TimedCopyAsync(postgres.ConnectionString("bare"),
            "bare_prices (symbol, name, price_usd, market_cap_usd, volume_24h_usd, percent_change_24h, created_at)",
            MarketCsv.Read(csv).ToList(),
            (importer, row) =>
            {
                importer.Write(row.Symbol, NpgsqlDbType.Text);
                importer.Write(row.Name, NpgsqlDbType.Text);
                importer.Write(row.Price, NpgsqlDbType.Numeric);
                importer.Write(row.MarketCap, NpgsqlDbType.Numeric);
                importer.Write(row.Volume, NpgsqlDbType.Numeric);
                importer.Write(row.Change, NpgsqlDbType.Numeric);
                importer.Write(row.CreatedAt, NpgsqlDbType.TimestampTz);
            });
        var rate = rows / seconds;
        Console.WriteLine($"bare COPY: {seconds:F1} s, {rate:N0} rows/s (parsed rows, one unindexed table, one transaction)");
        await postgres.ExecuteAsync("postgres", "DROP DATABASE bare");
        return rate;
    }

    /// <summary>
    /// The load target's baseline (issue 17): the same parsed rows copied into the history as it stands
    /// (<see cref="HistoryStorage"/>: price_points' monthly partitions and key, series made and partitions created
    /// before the clock starts), per 20,000-row batch in key order as the pipeline writes them: what this schema costs
    /// PostgreSQL before any parsing, raw payload or latest record.
    /// </summary>
    private static async Task<double> KeyedCopyAsync(PostgresServer postgres, string csv, long rows, double bareRate)
    {
        var connectionString = await postgres.CreateBenchDatabaseAsync("keyed");
        var symbols = MarketCsv.Read(csv).Select(r => r.Symbol).Distinct().ToArray();
        var seriesIds = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var series = new NpgsqlCommand(
                "INSERT INTO price_series (source, source_id, asset_id) SELECT 'csv', s, s FROM unnest(@symbols) s RETURNING source_id, id", connection);
            series.Parameters.AddWithValue("symbols", symbols);
            await using (var reader = await series.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    seriesIds[reader.GetString(0)] = reader.GetInt32(1);
                }
            }

            await using var partitions = new NpgsqlCommand($"SELECT {HistoryStorage.EnsurePartitionsFunction}(@times)", connection);
            partitions.Parameters.AddWithValue("times", MarketCsv.Read(csv).Select(r => HistoryStorage.MonthOf(r.CreatedAt)).Distinct()
                .Select(m => new DateTimeOffset(m)).ToArray());
            await partitions.ExecuteNonQueryAsync();
        }

        var inBatchKeyOrder = MarketCsv.Read(csv).Chunk(20_000)
            .SelectMany(batch => batch.OrderBy(r => seriesIds[r.Symbol]).ThenBy(r => r.CreatedAt))
            .ToList();
        var seconds = await TimedCopyAsync(connectionString, $"price_points ({HistoryStorage.PointColumns})", inBatchKeyOrder,
            (importer, row) =>
            {
                importer.Write(row.CreatedAt, NpgsqlDbType.TimestampTz);
                importer.Write(seriesIds[row.Symbol], NpgsqlDbType.Integer);
                importer.Write(false, NpgsqlDbType.Boolean);
                importer.Write(row.Price, NpgsqlDbType.Numeric);
                importer.Write(row.MarketCap, NpgsqlDbType.Numeric);
                importer.Write(row.Volume, NpgsqlDbType.Numeric);
            });
        var rate = rows / seconds;
        Console.WriteLine($"keyed COPY: {seconds:F1} s, {rate:N0} rows/s = {rate / bareRate:F2}x of bare " +
            "(the same rows straight into price_points, partitioned, with its one key: this schema's floor, the target's baseline)");
        await postgres.ExecuteAsync("postgres", "DROP DATABASE keyed");
        return rate;
    }

    /// <summary>
    /// A third reference, for the decision the target needs: the same rows into the narrowest table that still keeps
    /// each observation once (an integer series id and the time as its key, nothing else indexed), per 20,000-row
    /// batch in key order. If this alone is near 0.5x, no layout with a row per observation and a unique key can meet
    /// the target on this machine, whatever the pipeline does.
    /// </summary>
    private static Task NarrowestKeyCopyAsync(PostgresServer postgres, string csv, long rows, double bareRate) =>
        SeriesKeyedCopyAsync(postgres, csv, rows, bareRate, "narrowest-key COPY", "PRIMARY KEY (series_id, observed_at)", provenance: false,
            "the same rows into (integer series id, time) with only that key: the floor of any one-row-per-observation layout");

    private static async Task SeriesKeyedCopyAsync(PostgresServer postgres, string csv, long rows, double bareRate, string label, string key,
        bool provenance, string explanation)
    {
        await postgres.ExecuteAsync("postgres", "CREATE DATABASE series");
        await postgres.ExecuteAsync("series", $"""
            CREATE TABLE series_points (series_id integer NOT NULL, observed_at timestamptz NOT NULL, price_usd numeric NOT NULL,
                                        market_cap_usd numeric, volume_24h_usd numeric,
                                        {(provenance ? "is_backfill boolean NOT NULL, run_id bigint NOT NULL," : "")} {key})
            """);
        var seriesIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var inBatchKeyOrder = InBatchKeyOrder(csv)
            .Select(row => (Series: seriesIds.TryGetValue(row.Symbol, out var id) ? id : seriesIds[row.Symbol] = seriesIds.Count + 1, Row: row))
            .ToList();
        var seconds = await TimedCopyAsync(postgres.ConnectionString("series"),
            $"series_points (series_id, observed_at, price_usd, market_cap_usd, volume_24h_usd{(provenance ? ", is_backfill, run_id" : "")})",
            inBatchKeyOrder,
            (importer, point) =>
            {
                importer.Write(point.Series, NpgsqlDbType.Integer);
                importer.Write(point.Row.CreatedAt, NpgsqlDbType.TimestampTz);
                importer.Write(point.Row.Price, NpgsqlDbType.Numeric);
                importer.Write(point.Row.MarketCap, NpgsqlDbType.Numeric);
                importer.Write(point.Row.Volume, NpgsqlDbType.Numeric);
                if (provenance)
                {
                    importer.Write(false, NpgsqlDbType.Boolean);
                    importer.Write(1L, NpgsqlDbType.Bigint);
                }
            });
        Console.WriteLine($"{label}: {seconds:F1} s, {rows / seconds:N0} rows/s = {rows / seconds / bareRate:F2}x of bare ({explanation})");
        await postgres.ExecuteAsync("postgres", "DROP DATABASE series");
    }

    /// <summary>
    /// The CSV's rows as the pipeline hands them to PostgreSQL: in batches of 20,000, each sorted by key (symbol, then
    /// time). Both keyed references use this order, so they compare like with like.
    /// </summary>
    private static IEnumerable<MarketCsv.Row> InBatchKeyOrder(string csv) =>
        MarketCsv.Read(csv).Chunk(20_000)
            .SelectMany(batch => batch.OrderBy(r => r.Symbol, StringComparer.Ordinal).ThenBy(r => r.CreatedAt));

    /// <summary>Seconds one binary COPY of the already-parsed <paramref name="rows"/> takes, in one transaction.</summary>
    private static async Task<double> TimedCopyAsync<T>(string connectionString, string target, List<T> rows,
        Action<NpgsqlBinaryImporter, T> writeRow)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var clock = Stopwatch.StartNew();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using (var importer = await connection.BeginBinaryImportAsync($"COPY {target} FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var row in rows)
                {
                    importer.StartRow();
                    writeRow(importer, row);
                }

                await importer.CompleteAsync();
            }

            await transaction.CommitAsync();
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await connection.CloseAsync();
        NpgsqlConnection.ClearAllPools();
        return seconds;
    }

    internal static async Task<ChildResult> RunChildAsync(string csv, string connectionString, string? warmUpCsv = null)
    {
        // The child runs with the ingestion service's own GC and JIT settings, not the bench's.
        var start = IngestionRuntime.StartInfo(["load-child", "--csv", csv, "--connection", connectionString, .. warmUpCsv is null ? [] : (string[])["--warm-up", warmUpCsv]]);
        start.RedirectStandardOutput = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the pipeline child");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var json = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'));
        return JsonSerializer.Deserialize<ChildResult>(json)!;
    }

    /// <summary>What the child reports on its last line.</summary>
    public sealed record ChildResult(double Seconds, double PeakRssMb, double CpuSeconds, double AllocatedMb, int Gen0, int Gen1, int Gen2, double GcPauseSeconds, string Status, int Fetched, int Inserted, int Updated, int Unchanged, int Quarantined,
        double StartupCpuSeconds, double JitSeconds, long JittedMethods, Dictionary<string, double> CpuByThreadName);

    /// <summary>Peak resident set size of this process so far (VmHWM), in MB.</summary>
    public static double PeakRssMb()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
}
