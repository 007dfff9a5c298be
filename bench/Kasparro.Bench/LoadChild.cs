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
/// </summary>
public static class LoadChild
{
    public static async Task<int> RunAsync(string csv, string connectionString)
    {
        using var host = IngestionHostFor(connectionString, new Dictionary<string, string?>
        {
            ["Sources:Csv:Enabled"] = "true",
            ["Sources:Csv:Path"] = csv,
        });
        var runner = host.Services.GetRequiredService<EtlRunner>();
        // What starting the process and its host cost (runtime, DI, JIT of the host), apart from the run itself.
        var startupCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var clock = Stopwatch.StartNew();
        var outcome = await runner.RunAsync("csv", "bench", null, CancellationToken.None);
        var seconds = clock.Elapsed.TotalSeconds;
        var c = outcome.Counts;
        Console.WriteLine(JsonSerializer.Serialize(new LoadBenchmark.ChildResult(seconds, LoadBenchmark.PeakRssMb(),
            Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, GC.GetTotalAllocatedBytes() / 1048576.0,
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalSeconds, outcome.Status,
            c.Fetched, c.Inserted, c.Updated, c.Unchanged, c.Quarantined, startupCpu, JitInfo.GetCompilationTime().TotalSeconds, JitInfo.GetCompiledMethodCount(), CpuByThreadName())));
        if (!outcome.Succeeded)
        {
            Console.Error.WriteLine($"the run failed: {outcome.Error}");
        }

        return outcome.Succeeded ? 0 : 1;
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
