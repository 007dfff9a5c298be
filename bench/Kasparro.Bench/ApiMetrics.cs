using System.Diagnostics;
using System.Globalization;

namespace Kasparro.Bench;

/// <summary>
/// The API's own Prometheus <c>/metrics</c>, read before and after a measurement to say what happened inside the process
/// while wrk measured it: how the history cache answered (hits, misses: renderings from the database) and what the
/// garbage collector did. A latency tail is then explained by the process's counters rather than guessed at. The
/// endpoint wants an operator's key in Production; the bench creates one with the API's own <c>--create-key</c>.
/// </summary>
internal sealed class ApiMetrics(HttpClient http)
{
    /// <summary>What each figure <see cref="Describe"/> prints sums: the series of this name whose labels hold this text.</summary>
    private static readonly (string Label, string Name, string Labels)[] Figures =
    [
        ("hit", "kasparro_api_history_cache_lookups_total", "result=\"hit\""),
        ("miss", "kasparro_api_history_cache_lookups_total", "result=\"miss\""),
        ("joined", "kasparro_api_history_cache_lookups_total", "result=\"joined\""),
        ("gen0", "dotnet_gc_collections_total", "gc_heap_generation=\"gen0\""),
        ("gen1", "dotnet_gc_collections_total", "gc_heap_generation=\"gen1\""),
        ("gen2", "dotnet_gc_collections_total", "gc_heap_generation=\"gen2\""),
        ("pause", "dotnet_gc_pause_time_seconds_total", ""),
    ];

    /// <summary>A reader of the API at <paramref name="baseUrl"/>, with an operator key made for it in its database.</summary>
    public static async Task<ApiMetrics> CreateAsync(string connectionString, string baseUrl, string apiProject)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "run", "-c", "Release", "--no-build", "--no-launch-profile", "--project", apiProject, "--",
            "--create-key", $"bench-metrics-{Environment.ProcessId}", "--role", "operator" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ConnectionStrings__kasparro"] = connectionString;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not run the API's --create-key");
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        // The key is printed once, alone on the last line.
        var key = output.TrimEnd().Split('\n')[^1].Trim();
        if (process.ExitCode != 0 || !key.StartsWith("kas_", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the API's --create-key failed ({process.ExitCode}): {error.Trim()}");
        }

        var client = new HttpClient { BaseAddress = new Uri(baseUrl) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return new ApiMetrics(client);
    }

    /// <summary>The figures now, each summed over its series' label sets.</summary>
    public async Task<double[]> ReadAsync()
    {
        var text = await http.GetStringAsync("/metrics");
        var values = new double[Figures.Length];
        foreach (var line in text.Split('\n'))
        {
            // name{label="value",...} value [timestamp]
            var nameEnd = line.IndexOfAny(['{', ' ']);
            if (line.StartsWith('#') || nameEnd < 0)
            {
                continue;
            }

            var labelsEnd = line[nameEnd] == '{' ? line.IndexOf('}', nameEnd) : nameEnd;
            var name = line[..nameEnd];
            var labels = line[nameEnd..(labelsEnd + 1)];
            var value = line[(labelsEnd + 1)..].Trim().Split(' ')[0];
            for (var i = 0; i < Figures.Length; i++)
            {
                if (name == Figures[i].Name && labels.Contains(Figures[i].Labels, StringComparison.Ordinal))
                {
                    values[i] += double.Parse(value, CultureInfo.InvariantCulture);
                }
            }
        }

        return values;
    }

    /// <summary>What changed between two readings: <c>cache hit 20,112 miss 35 joined 0; GC 140/12/1, pause 85 ms</c>.</summary>
    public static string Describe(double[] before, double[] after)
    {
        double Delta(string label) => after[Index(label)] - before[Index(label)];
        return $"cache hit {Delta("hit"):N0} miss {Delta("miss"):N0} joined {Delta("joined"):N0}; " +
            $"GC gen0/1/2 {Delta("gen0"):N0}/{Delta("gen1"):N0}/{Delta("gen2"):N0}, pause {Delta("pause") * 1000:N0} ms";
    }

    private static int Index(string label) => Array.FindIndex(Figures, f => f.Label == label);
}
