using System.Globalization;
using Kasparro.Testing;

namespace Kasparro.Bench;

/// <summary>
/// The benchmarks' PostgreSQL server: the tests' <see cref="PostgresServer"/>, run from the machine's binaries with the
/// same settings the AppHost and the tests use, tuned for bulk loads. A kept folder (the read benchmark's) survives
/// between runs so its seed is reused; <c>KASPARRO_BENCH_KEEP=1</c> keeps every folder (and its postgres.log).
/// </summary>
public static class BenchServer
{
    /// <summary>Starts a server in <paramref name="keptFolder"/> (created on first use) or in a throw-away folder.</summary>
    public static async Task<PostgresServer> StartAsync(string? keptFolder = null)
    {
        var keep = keptFolder is not null || Environment.GetEnvironmentVariable("KASPARRO_BENCH_KEEP") == "1";
        var folder = keptFolder ?? Path.Combine("/var/tmp", $"kasparro-bench-{Guid.NewGuid():N}");
        var server = await PostgresServer.StartAsync(folder, keep, connectionSettings: "Timeout=15;Command Timeout=0");
        // Bigger WAL segments between checkpoints: server-wide, so the bare COPY baseline gets them too.
        await server.ExecuteAsync("postgres", "ALTER SYSTEM SET max_wal_size = '8GB'", "ALTER SYSTEM SET checkpoint_timeout = '30min'", "SELECT pg_reload_conf()");
        if (Environment.GetEnvironmentVariable("KASPARRO_BENCH_EXPLAIN") is { } explainMs)
        {
            // The module must be loaded in this session before its settings can be written; ALTER SYSTEM runs alone.
            await server.ExecuteAsync("postgres", "LOAD 'auto_explain'", "ALTER SYSTEM SET session_preload_libraries = 'auto_explain'",
                $"ALTER SYSTEM SET auto_explain.log_min_duration = {explainMs}", "ALTER SYSTEM SET auto_explain.log_analyze = on",
                "ALTER SYSTEM SET auto_explain.log_buffers = on", "ALTER SYSTEM SET auto_explain.log_nested_statements = on", "SELECT pg_reload_conf()");
        }

        return server;
    }

    /// <summary>Creates <paramref name="database"/> (if missing; in C collation with KASPARRO_BENCH_COLLATE_C=1) and migrates it.</summary>
    public static Task<string> CreateBenchDatabaseAsync(this PostgresServer server, string database) =>
        server.CreateMigratedDatabaseAsync(database,
            Environment.GetEnvironmentVariable("KASPARRO_BENCH_COLLATE_C") == "1" ? "LC_COLLATE 'C' TEMPLATE template0" : "");

    /// <summary>
    /// CPU seconds the server has used so far: its live processes' own time, plus what its exited backends used
    /// (the postmaster waits for them, so their time is in its children's counters). Linux /proc only.
    /// </summary>
    public static double CpuSeconds(this PostgresServer server)
    {
        var stats = new Dictionary<int, (int Parent, long Own, long Children)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var text = File.ReadAllText(Path.Combine(dir, "stat"));
                // Fields after the command name, which is in parentheses and may hold spaces.
                var f = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                stats[pid] = (int.Parse(f[1], CultureInfo.InvariantCulture),
                    long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture),
                    long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                // The process ended while we looked.
            }
        }

        var ticks = 0L;
        var tree = new HashSet<int> { server.ProcessId };
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, stat) in stats)
            {
                if (tree.Contains(stat.Parent) && tree.Add(pid))
                {
                    grew = true;
                }
            }
        }

        foreach (var pid in tree)
        {
            if (stats.TryGetValue(pid, out var stat))
            {
                ticks += stat.Own + stat.Children;
            }
        }

        return ticks / 100.0; // USER_HZ is 100 on Linux
    }
}
