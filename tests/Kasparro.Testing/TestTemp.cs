using System.Diagnostics;

namespace Kasparro.Testing;

/// <summary>
/// The folders a test run writes (its PostgreSQL cluster, input files) live under one folder per run,
/// <c>/tmp/kasparro-tests/run-&lt;pid&gt;-&lt;guid&gt;</c>. The test host is killed when a run ends, before anything it
/// registered at exit can delete them (each full run left ~1.6 GB of cluster and ~4 MB of files behind), so every run
/// first removes the folders of runs whose process is gone.
/// </summary>
public static class TestTemp
{
    private static readonly Lazy<string> RunFolder = new(CreateRunFolder);

    /// <summary>A new, empty folder of this run whose name starts with <paramref name="prefix"/>.</summary>
    public static string NewFolder(string prefix)
    {
        var folder = Path.Combine(RunFolder.Value, $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string CreateRunFolder()
    {
        // Under /tmp, world-traversable, so the postgres service account reaches its cluster when the tests run as root.
        var parent = Path.Combine(Path.GetTempPath(), "kasparro-tests");
        Directory.CreateDirectory(parent);
        foreach (var run in Directory.EnumerateDirectories(parent, "run-*"))
        {
            var pid = Path.GetFileName(run).Split('-')[1];
            if (int.TryParse(pid, out var id) && IsRunning(id))
            {
                continue;
            }

            try
            {
                Directory.Delete(run, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another run is removing it too, or a file is held open: the next run tries again.
            }
        }

        var folder = Path.Combine(parent, $"run-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
