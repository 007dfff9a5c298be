using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Security.Cryptography;
using System.Text;
using Kasparro.Ingestion.Sources;
using Kasparro.Ingestion.Sources.Csv;
using Microsoft.Extensions.DependencyInjection;

namespace Kasparro.Bench;

/// <summary>
/// <c>csv-read</c>: the real <see cref="CsvSource"/>, hosted as the ingestion service hosts it, reads the generated
/// CSV (or <c>--file</c>) to the end with no database, once with CsvHelper for every row (<c>Sources:Csv:FastPath=false</c>)
/// and once with the Sep fast path, validation included in both; prints each reader's wall time, CPU, MB/s,
/// allocations and GC counts, and with <c>--digest</c> whether both handed the writer exactly the same batches.
/// </summary>
public static class CsvReadBenchmark
{
    public static async Task<int> RunAsync(long rows, int symbols, string? file, bool digest, string? onlyReader)
    {
        string? folder = null;
        if (file is null)
        {
            folder = Path.Combine("/var/tmp", $"kasparro-bench-csvread-{Guid.NewGuid():N}");
            Directory.CreateDirectory(folder);
            file = Path.Combine(folder, "prices.csv");
        }

        try
        {
            if (folder is not null)
            {
                MarketCsv.Write(file, rows, symbols);
                Console.WriteLine($"generated {rows:N0} rows ({symbols:N0} symbols): {new FileInfo(file).Length / 1048576.0:F0} MB");
            }

            var megabytes = (File.Exists(file) ? new FileInfo(file).Length : Directory.EnumerateFiles(file, "*.csv").Sum(f => new FileInfo(f).Length)) / 1048576.0;
            if (onlyReader is not null)
            {
                // One reader alone, e.g. under a profiler.
                var fastPath = onlyReader.Equals("sep", StringComparison.OrdinalIgnoreCase);
                Print(fastPath ? "Sep" : "CsvHelper", await ReadAsync(file, fastPath, digest), megabytes);
                return 0;
            }

            var csvHelper = await ReadAsync(file, fastPath: false, digest: false);
            var sep = await ReadAsync(file, fastPath: true, digest: false);
            Print("CsvHelper", csvHelper, megabytes);
            Print("Sep", sep, megabytes);
            Console.WriteLine($"Sep vs CsvHelper: {csvHelper.CpuSeconds / sep.CpuSeconds:F1}x less CPU, {csvHelper.WallSeconds / sep.WallSeconds:F1}x less wall time");
            if (!digest)
            {
                return 0;
            }

            // Separate, untimed reads: the digest allocates.
            var csvHelperDigest = (await ReadAsync(file, fastPath: false, digest: true)).Digest;
            var sepDigest = (await ReadAsync(file, fastPath: true, digest: true)).Digest;
            Console.WriteLine($"digest:    CsvHelper {csvHelperDigest}");
            Console.WriteLine($"           Sep       {sepDigest} ({(csvHelperDigest == sepDigest ? "identical" : "DIFFERENT")}; records, values, reasons, locations, raw chunks, checkpoints)");
            return csvHelperDigest == sepDigest ? 0 : 1;
        }
        finally
        {
            if (folder is not null)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>What one read of the file cost, and what it handed the writer.</summary>
    private sealed record ReadResult(double WallSeconds, double CpuSeconds, long Accepted, long Rejected, long Batches, long AllocatedBytes,
        int Gen0, int Gen1, int Gen2, double PauseSeconds, int DriftKinds, string? Digest, double JitSeconds, long JittedMethods);

    private static void Print(string reader, ReadResult r, double megabytes)
    {
        var total = Math.Max(1, r.Accepted + r.Rejected);
        Console.WriteLine($"{reader,-10} {r.WallSeconds:F2} s wall, {r.CpuSeconds:F2} s CPU: {megabytes / r.WallSeconds:F0} MB/s, {megabytes / r.CpuSeconds:F0} MB per CPU second, " +
            $"{r.CpuSeconds * 1e6 / total:F2} us CPU a row, {total / r.WallSeconds:N0} rows/s, {r.Batches} batches");
        Console.WriteLine($"{"",-10} GC: {r.AllocatedBytes / 1048576.0:N0} MB allocated ({r.AllocatedBytes / (double)total:N0} bytes a row), " +
            $"collections gen0 {r.Gen0}, gen1 {r.Gen1}, gen2 {r.Gen2}, paused {r.PauseSeconds:F2} s; JIT {r.JitSeconds:F2} s for {r.JittedMethods:N0} methods; accepted {r.Accepted:N0}, rejected {r.Rejected:N0}, drift kinds {r.DriftKinds}");
    }

    private static async Task<ReadResult> ReadAsync(string file, bool fastPath, bool digest)
    {
        // No database is opened: reading needs only the source's options, as EtlRunner gives them.
        using var host = LoadChild.IngestionHostFor("Host=localhost;Database=unused", new Dictionary<string, string?>
        {
            ["Sources:Csv:Enabled"] = "true",
            ["Sources:Csv:Path"] = Path.GetFullPath(file),
            ["Sources:Csv:FastPath"] = fastPath ? "true" : "false",
        });
        var source = host.Services.GetServices<IMarketSource>().OfType<CsvSource>().Single();
        var context = new SourceReadContext(1, new Dictionary<string, string?>(), new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero));
        using var hash = digest ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;

        var process = Process.GetCurrentProcess();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var allocated = GC.GetTotalAllocatedBytes(true);
        var paused = GC.GetTotalPauseDuration();
        var (jit, jitted) = (JitInfo.GetCompilationTime(), JitInfo.GetCompiledMethodCount());
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();

        long accepted = 0, rejected = 0, batches = 0;
        await foreach (var batch in source.ReadAsync(context, CancellationToken.None))
        {
            batches++;
            foreach (var record in batch.Records)
            {
                if (record.Values is null)
                {
                    rejected++;
                }
                else
                {
                    accepted++;
                }
            }

            if (hash is not null)
            {
                Digest(hash, batch);
            }
        }

        var wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return new ReadResult(wall, (process.TotalProcessorTime - cpu).TotalSeconds, accepted, rejected, batches,
            GC.GetTotalAllocatedBytes(true) - allocated, GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2,
            (GC.GetTotalPauseDuration() - paused).TotalSeconds, context.Drift.Count,
            hash is null ? null : Convert.ToHexStringLower(hash.GetHashAndReset()),
            (JitInfo.GetCompilationTime() - jit).TotalSeconds, JitInfo.GetCompiledMethodCount() - jitted);
    }

    /// <summary>Everything a batch hands the writer, so two builds of the reader can be compared for identical output.</summary>
    private static void Digest(IncrementalHash hash, SourceBatch batch)
    {
        var text = new StringBuilder();
        foreach (var r in batch.Records)
        {
            var v = r.Values;
            text.Append(CultureInfo.InvariantCulture,
                $"{r.SourceId}|{r.Location}|{r.RejectReason}|{r.RawPayload}|{v?.Ticker}|{v?.Name}|{v?.PriceUsd}|{v?.MarketCapUsd}|{v?.Volume24hUsd}|{v?.PercentChange24h}|{v?.ObservedAt.UtcTicks}|{v?.ObservedAt.Offset}|{v?.Rank}\n");
        }

        text.Append(batch.Checkpoint.Key).Append('|').Append(batch.Checkpoint.Position).Append('\n');
        if (batch.RawChunk is { } raw)
        {
            text.Append(raw.SourceId).Append('|').Append(raw.ContentHash).Append('|').Append(raw.Json).Append('\n');
        }

        hash.AppendData(Encoding.UTF8.GetBytes(text.ToString()));
    }
}
