using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kasparro.AppHost.Postgres;

/// <summary>
/// A PostgreSQL cluster run from the machine's own binaries (no container engine needed): finds the
/// binaries, runs <c>initdb</c> on first use and builds the command line that runs the server in the
/// foreground. PostgreSQL refuses to run as root, so as root every command runs as the <c>postgres</c> user.
/// Shared by the AppHost's <c>executable</c> mode and the test suite's database.
/// </summary>
public sealed class LocalPostgresCluster
{
    public const string SuperUser = "postgres";
    /// <summary>The account PostgreSQL runs as when the caller is root (it refuses to run as root).</summary>
    public const string ServiceAccount = "postgres";

    public LocalPostgresCluster(string dataDirectory, string binDirectory)
    {
        DataDirectory = Path.GetFullPath(dataDirectory);
        BinDirectory = binDirectory;
    }

    public string DataDirectory { get; }
    public string BinDirectory { get; }
    public bool IsInitialized => File.Exists(Path.Combine(DataDirectory, "PG_VERSION"));
    /// <summary>Whether this process is root, so PostgreSQL must run as <see cref="ServiceAccount"/>.</summary>
    public static bool RunningAsRoot => Environment.UserName == "root";

    /// <summary>The folder holding <c>initdb</c> and <c>postgres</c>: on PATH, else the newest under /usr/lib/postgresql.</summary>
    public static string? FindBinDirectory()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "postgres")));
        if (onPath is not null)
        {
            return onPath;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (!Directory.Exists(debianRoot))
        {
            return null;
        }

        return Directory.GetDirectories(debianRoot)
            .Select(dir => (dir, version: int.TryParse(Path.GetFileName(dir), out var v) ? v : -1))
            .Where(x => File.Exists(Path.Combine(x.dir, "bin", "postgres")))
            .OrderByDescending(x => x.version)
            .Select(x => Path.Combine(x.dir, "bin"))
            .FirstOrDefault();
    }

    /// <summary>Creates the cluster with password authentication for <see cref="SuperUser"/>.</summary>
    public void Initialize(string password)
    {
        Directory.CreateDirectory(DataDirectory);
        var passwordFile = Path.Combine(Path.GetTempPath(), $"kasparro-pw-{Guid.NewGuid():N}");
        File.WriteAllText(passwordFile, password);
        try
        {
            if (RunningAsRoot)
            {
                EnsureServiceAccountCanReach(DataDirectory);
                Run("chown", ["-R", $"{ServiceAccount}:{ServiceAccount}", DataDirectory]);
                Run("chown", [$"{ServiceAccount}:{ServiceAccount}", passwordFile]);
            }

            var (file, args) = AsServiceAccount(Path.Combine(BinDirectory, "initdb"),
            [
                "-D", DataDirectory, "-U", SuperUser, "--auth=scram-sha-256", $"--pwfile={passwordFile}",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
            ]);
            Run(file, args);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    /// <summary>
    /// The command that runs the server in the foreground on 127.0.0.1:<paramref name="port"/>. It is wrapped
    /// in a shell that turns SIGTERM into PostgreSQL's fast shutdown (SIGINT), so stopping the resource never
    /// waits on idle client connections and never leaves a server behind.
    /// </summary>
    public (string FileName, string[] Arguments) ServerCommand(int port)
    {
        var (file, args) = AsServiceAccount(Path.Combine(BinDirectory, "postgres"),
        [
            "-D", DataDirectory, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
            "-c", "max_connections=200", "-c", "shared_buffers=256MB", "-c", "fsync=on",
        ]);
        var command = string.Join(' ', new[] { file }.Concat(args).Select(ShellQuote));
        var script = $"{command} & pid=$!; trap 'kill -INT $pid' TERM INT; wait $pid; trap - TERM INT; wait $pid";
        return ("/bin/bash", ["-c", script]);
    }

    /// <summary>
    /// Starts the server as a child process (the AppHost leaves that to the orchestrator; the test suite and the
    /// benchmarks use this) and returns once it accepts connections, or throws when it exits or does not answer
    /// within <paramref name="timeout"/>. Its output goes to <paramref name="onOutput"/>, or is drained.
    /// </summary>
    public async Task<Process> StartServerAsync(int port, string password, TimeSpan timeout, Action<string>? onOutput = null)
    {
        var (file, args) = ServerCommand(port);
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { onOutput?.Invoke(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { onOutput?.Invoke(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var connectionString = $"Host=127.0.0.1;Port={port.ToString(System.Globalization.CultureInfo.InvariantCulture)};Username={SuperUser};Password={password};Database=postgres;Timeout=5";
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await using var connection = new Npgsql.NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                return process;
            }
            catch (Npgsql.NpgsqlException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>A TCP port nobody listens on right now.</summary>
    public static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static (string, string[]) AsServiceAccount(string file, string[] args) =>
        RunningAsRoot
            ? ("setpriv", ["--reuid", ServiceAccount, "--regid", ServiceAccount, "--init-groups", "--", file, .. args])
            : (file, args);

    /// <summary>As root the data folder may sit under a folder the postgres user cannot enter; say so plainly.</summary>
    private static void EnsureServiceAccountCanReach(string directory)
    {
        if (FolderBlockingServiceAccount(directory) is { } blocked)
        {
            throw new InvalidOperationException(
                $"PostgreSQL runs as the '{ServiceAccount}' user, which cannot enter '{blocked}'. " +
                "Set Postgres:DataDirectory to a folder it can reach (for example under /var/tmp).");
        }
    }

    /// <summary>
    /// The first existing folder above <paramref name="directory"/> that others (the service account) cannot enter,
    /// or null when the way is open.
    /// </summary>
    public static string? FolderBlockingServiceAccount(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        for (var dir = Path.GetDirectoryName(Path.GetFullPath(directory)); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir) && !File.GetUnixFileMode(dir).HasFlag(UnixFileMode.OtherExecute))
            {
                return dir;
            }
        }

        return null;
    }

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''") + "'";

    private static void Run(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{file} {string.Join(' ', args)}' failed ({process.ExitCode}): {stderr.Result}");
        }
    }
}
