using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text.Json;
using Kasparro.Data;
using Kasparro.Ingestion;
using Kasparro.Ingestion.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kasparro.Bench;

/// <summary>
/// <c>load-child</c>: hosts the real ingestion services (the registrations of Kasparro.Ingestion) and runs the
/// CSV source once, as <c>--once --source csv</c> does; prints the time, the counts and its own peak RSS as JSON.
/// With a warm-up file it first loads that (small, other coins) and then the measured file in the same host, as the
/// long-running service does with the files that land in its folder: the figures are then the measured run's alone.
/// </summary>
public static class LoadChild
{
    public static async Task<int> RunAsync(string csv, string connectionString, string? warmUpCsv)
    {
        // Warm: the CSV source reads a folder holding the warm-up file first, then the measured file beside it.
        var inbox = warmUpCsv is null ? null : Path.GetDirectoryName(Path.GetFullPath(warmUpCsv))!;
        using var host = IngestionHostFor(connectionString, new Dictionary<string, string?>
        {
            ["Sources:Csv:Enabled"] = "true",
            ["Sources:Csv:Path"] = inbox ?? csv,
        });
        var runner = host.Services.GetRequiredService<EtlRunner>();
        var before = ProcessCounters.Zero;
        if (inbox is not null)
        {
            var warmUp = await runner.RunAsync("csv", "bench", null, CancellationToken.None);
            if (!warmUp.Succeeded)
            {
                Console.Error.WriteLine($"the warm-up run failed: {warmUp.Error}");
                return 1;
            }

            File.CreateSymbolicLink(Path.Combine(inbox, Path.GetFileName(csv)), Path.GetFullPath(csv));
            before = ProcessCounters.Now();
        }

        // What starting the process and its host cost (runtime, DI, JIT of the host; warm: and the warm-up run), apart from the run itself.
        var startupCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var clock = Stopwatch.StartNew();
        var outcome = await runner.RunAsync("csv", "bench", null, CancellationToken.None);
        var seconds = clock.Elapsed.TotalSeconds;
        var run = ProcessCounters.Now() - before;
        var c = outcome.Counts;
        Console.WriteLine(JsonSerializer.Serialize(new LoadBenchmark.ChildResult(seconds, LoadBenchmark.PeakRssMb(),
            run.CpuSeconds, run.AllocatedMb, run.Gen0, run.Gen1, run.Gen2, run.GcPauseSeconds, outcome.Status,
            c.Fetched, c.Inserted, c.Updated, c.Unchanged, c.Quarantined, startupCpu, run.JitSeconds, run.JittedMethods, CpuByThreadName())));
        if (!outcome.Succeeded)
        {
            Console.Error.WriteLine($"the run failed: {outcome.Error}");
        }

        return outcome.Succeeded ? 0 : 1;
    }

    /// <summary>This process's CPU, allocation, GC and JIT counters; the difference of two is what happened between them.</summary>
    private readonly record struct ProcessCounters(double CpuSeconds, double AllocatedMb, int Gen0, int Gen1, int Gen2, double GcPauseSeconds,
        double JitSeconds, long JittedMethods)
    {
        public static ProcessCounters Zero => default;

        public static ProcessCounters Now() => new(Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, GC.GetTotalAllocatedBytes() / 1048576.0,
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalSeconds,
            JitInfo.GetCompilationTime().TotalSeconds, JitInfo.GetCompiledMethodCount());

        public static ProcessCounters operator -(ProcessCounters after, ProcessCounters before) => new(after.CpuSeconds - before.CpuSeconds,
            after.AllocatedMb - before.AllocatedMb, after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2,
            after.GcPauseSeconds - before.GcPauseSeconds, after.JitSeconds - before.JitSeconds, after.JittedMethods - before.JittedMethods);
    }

    /// <summary>
    /// CPU seconds of this process's live threads by thread name (/proc/self/task): the background JIT (".NET Tiered Com"),
    /// the background GC (".NET BGC") and the thread-pool workers that read, resolve and encode apart.
    /// </summary>
    private static Dictionary<string, double> CpuByThreadName()
    {
        var byName = new Dictionary<string, double>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                // "pid (name) state ..." where the name may hold spaces: the fields after ')' are fixed, utime and stime are 14 and 15.
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var close = stat.LastIndexOf(')');
                var name = stat[(stat.IndexOf('(') + 1)..close];
                var fields = stat[(close + 2)..].Split(' ');
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                byName[name] = byName.GetValueOrDefault(name) + ticks / 100.0;
            }
            catch (IOException)
            {
                // The thread ended while we looked.
            }
        }

        return byName;
    }

    /// <summary>The ingestion services against <paramref name="connectionString"/>, every source off unless <paramref name="settings"/> enables it.</summary>
    public static IHost IngestionHostFor(string connectionString, IDictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Benchmark", ContentRootPath = AppContext.BaseDirectory });
        var config = new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ResourceNames.Database}"] = connectionString,
            ["Sources:CoinPaprika:Enabled"] = "false",
            ["Sources:CoinGecko:Enabled"] = "false",
            ["Sources:Csv:Enabled"] = "false",
            ["Etl:RunOnStart"] = "false",
            ["Etl:RunTimeout"] = "02:00:00",
        };
        foreach (var (key, value) in settings)
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddKasparroDb();
        builder.AddIngestion();
        return builder.Build();
    }
}
