using System.Collections.Concurrent;
using System.Diagnostics;

namespace Kasparro.Ingestion.Tests.Reliability;

/// <summary>
/// The real Kasparro.Ingestion executable as a child process (<c>dotnet Kasparro.Ingestion.dll ...</c>), with its
/// configuration in environment variables, so tests can SIGKILL it the way an OOM killer or a node loss would.
/// </summary>
public sealed class IngestionProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private IngestionProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Starts the service with <paramref name="arguments"/>; <paramref name="environment"/> uses the
    /// <c>Section__Key</c> form, like a deployment would.</summary>
    public static IngestionProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var dll = IngestionDll();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = null;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Kasparro.Ingestion.");
        var child = new IngestionProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { child._output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { child._output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>SIGKILL: no shutdown hook, no finally block, no last log line runs.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Kasparro.Ingestion did not exit within {timeout}. Output:\n{Output}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    /// <summary>The ingestion service's own build output (its deps and runtimeconfig), in the test's configuration.</summary>
    private static string IngestionDll()
    {
        // tests/Kasparro.Ingestion.Tests/bin/<Configuration>/<tfm>/ -> the repository root is five levels up.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        var root = testBin.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var own = Path.Combine(root, "Kasparro.Ingestion", "bin", configuration, framework, "Kasparro.Ingestion.dll");
        return File.Exists(own) ? own : Path.Combine(AppContext.BaseDirectory, "Kasparro.Ingestion.dll");
    }
}
