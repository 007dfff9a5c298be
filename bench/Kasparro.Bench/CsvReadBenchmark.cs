using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kasparro.Ingestion.Sources;
using Kasparro.Ingestion.Sources.Csv;
using Microsoft.Extensions.DependencyInjection;

namespace Kasparro.Bench;

/// <summary>
/// <c>csv-read</c>: the real <see cref="CsvSource"/>, hosted as the ingestion service hosts it, reads the generated
/// CSV (or <c>--file</c>) to the end with no database; prints the reader's own wall time, CPU, allocations and GC counts.
/// </summary>
public static class CsvReadBenchmark
{
    public static async Task<int> RunAsync(long rows, int symbols, string? file, bool digest)
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

            // No database is opened: reading needs only the source's options, as EtlRunner gives them.
            using var host = LoadChild.IngestionHostFor("Host=localhost;Database=unused", new Dictionary<string, string?>
            {
                ["Sources:Csv:Enabled"] = "true",
                ["Sources:Csv:Path"] = Path.GetFullPath(file),
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
            var cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
            var bytes = GC.GetTotalAllocatedBytes(true) - allocated;
            var pauseSeconds = (GC.GetTotalPauseDuration() - paused).TotalSeconds;
            var total = Math.Max(1, accepted + rejected);
            Console.WriteLine($"csv-read:  {wall:F2} s wall, {cpuSeconds:F2} s CPU, {total / wall:N0} rows/s, {batches} batches");
            Console.WriteLine($"GC:        {bytes / 1048576.0:N0} MB allocated ({bytes / (double)total:N0} bytes a row), " +
                $"collections gen0 {GC.CollectionCount(0) - gen0}, gen1 {GC.CollectionCount(1) - gen1}, gen2 {GC.CollectionCount(2) - gen2}, paused {pauseSeconds:F2} s");
            Console.WriteLine($"rows:      accepted {accepted:N0}, rejected {rejected:N0}, drift kinds {context.Drift.Count}");
            if (hash is not null)
            {
                Console.WriteLine($"digest:    {Convert.ToHexStringLower(hash.GetHashAndReset())} (records, values, reasons, locations, raw chunks, checkpoints)");
            }

            return 0;
        }
        finally
        {
            if (folder is not null)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
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
