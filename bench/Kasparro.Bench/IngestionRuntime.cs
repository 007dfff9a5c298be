using System.Diagnostics;
using System.Reflection;

namespace Kasparro.Bench;

/// <summary>
/// Runs this program again under the ingestion service's runtime settings: Kasparro.Ingestion's runtimeconfig.json
/// (copied into this folder with the project reference) carries the GC and JIT settings of Kasparro.Ingestion.csproj,
/// the environment variables its image sets (<c>DOTNET_*</c> assembly metadata of Kasparro.Ingestion) are set, and the
/// ReadyToRun publish of this program (<c>ready-to-run/</c> beside it, bench/README.md) is what runs when present,
/// so <c>load-child</c> and <c>csv-read</c> measure the code as the deployed service runs it, not with the bench's own settings.
/// </summary>
public static class IngestionRuntime
{
    private const string Marker = "KASPARRO_BENCH_INGESTION_RUNTIME";

    /// <summary>Whether this process was started by <see cref="StartInfo"/>.</summary>
    public static bool IsCurrent => Environment.GetEnvironmentVariable(Marker) == "1";

    private static string PublishedFolder => Path.Combine(AppContext.BaseDirectory, "ready-to-run");

    /// <summary>
    /// Whether the child runs the ReadyToRun publish of this program, precompiled as the service's image is. A publish
    /// older than the build (code changed since) is refused rather than measured.
    /// </summary>
    public static bool IsReadyToRun
    {
        get
        {
            if (!File.Exists(Path.Combine(PublishedFolder, "Kasparro.Bench.dll")))
            {
                return false;
            }

            var stale = Directory.EnumerateFiles(AppContext.BaseDirectory, "Kasparro.*.dll")
                .Where(built => File.GetLastWriteTimeUtc(built) > File.GetLastWriteTimeUtc(Path.Combine(PublishedFolder, Path.GetFileName(built))))
                .Select(Path.GetFileName)
                .ToList();
            return stale.Count == 0 ? true : throw new InvalidOperationException(
                $"{PublishedFolder} is older than the build ({string.Join(", ", stale)}): publish the bench again or delete that folder (bench/README.md)");
        }
    }

    /// <summary><c>dotnet exec</c> of this program with <paramref name="arguments"/> and the ingestion service's runtimeconfig.json.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var folder = IsReadyToRun ? PublishedFolder : AppContext.BaseDirectory;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        foreach (var arg in (string[])["exec", "--runtimeconfig", Path.Combine(folder, "Kasparro.Ingestion.runtimeconfig.json"),
                     "--depsfile", Path.Combine(folder, "Kasparro.Bench.deps.json"), Path.Combine(folder, "Kasparro.Bench.dll"), .. arguments])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var setting in typeof(Kasparro.Ingestion.IngestionServices).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                     .Where(a => a.Key.StartsWith("DOTNET_", StringComparison.Ordinal)))
        {
            // A value set by hand (e.g. to measure another setting) wins over the image's.
            start.Environment[setting.Key] = Environment.GetEnvironmentVariable(setting.Key) ?? setting.Value;
        }

        start.Environment[Marker] = "1";
        return start;
    }

    /// <summary>Runs this command again under the ingestion service's runtime settings, its output on this console; returns its exit code.</summary>
    public static async Task<int> RerunAsync(string[] args)
    {
        using var process = Process.Start(StartInfo(args)) ?? throw new InvalidOperationException("could not start the benchmark under the ingestion runtime");
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
