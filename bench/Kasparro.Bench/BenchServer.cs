using System.Globalization;
using Kasparro.Testing;
using Npgsql;

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

        if (StatementsToPrint is not null)
        {
            // A preloaded library needs a restart; "all" counts the statements inside functions and triggers too.
            // The module defines its settings only when preloaded: set after the restart, reloaded.
            await server.ExecuteAsync("postgres", "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
            await server.StopAsync();
            await server.RestartAsync();
            await server.ExecuteAsync("postgres", "ALTER SYSTEM SET pg_stat_statements.track = 'all'", "SELECT pg_reload_conf()",
                "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        }

        return server;
    }

    /// <summary>How many statements <see cref="PrintStatementsAsync"/> prints (<c>KASPARRO_BENCH_STATEMENTS=&lt;n&gt;</c>), or null when off.</summary>
    private static int? StatementsToPrint =>
        int.TryParse(Environment.GetEnvironmentVariable("KASPARRO_BENCH_STATEMENTS"), CultureInfo.InvariantCulture, out var count) ? count : null;

    /// <summary>With <c>KASPARRO_BENCH_STATEMENTS</c>: forgets the statement statistics gathered so far (every database).</summary>
    public static async Task ResetStatementsAsync(this PostgresServer server)
    {
        if (StatementsToPrint is not null)
        {
            await server.ExecuteAsync("postgres", "SELECT pg_stat_statements_reset()");
        }
    }

    /// <summary>With <c>KASPARRO_BENCH_STATEMENTS=&lt;n&gt;</c>: prints the n statements that took the most time since the last reset.</summary>
    public static async Task PrintStatementsAsync(this PostgresServer server, string label)
    {
        if (StatementsToPrint is not { } count)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(server.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            SELECT total_exec_time, total_plan_time, calls, rows, shared_blks_hit + shared_blks_read, left(regexp_replace(query, '\s+', ' ', 'g'), 160)
              FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT {count}
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        Console.WriteLine($"statements {label} (pg_stat_statements, track = all: a function's statements count inside its caller's too):");
        Console.WriteLine($"  {"exec ms",10} {"plan ms",8} {"calls",8} {"rows",10} {"blocks",12}  query");
        while (await reader.ReadAsync())
        {
            Console.WriteLine($"  {reader.GetDouble(0),10:N0} {reader.GetDouble(1),8:N0} {reader.GetInt64(2),8:N0} {reader.GetInt64(3),10:N0} {reader.GetDecimal(4),12:N0}  {reader.GetString(5)}");
        }
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
