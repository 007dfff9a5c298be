using System.Diagnostics;
using System.Globalization;
using Kasparro.AppHost.Postgres;
using Kasparro.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kasparro.Bench;

/// <summary>
/// A PostgreSQL server for one benchmark, run from the machine's binaries with the same settings the AppHost
/// and the tests use. A kept folder (the read benchmark's) survives between runs so its seed is reused.
/// </summary>
public sealed class BenchPostgres : IAsyncDisposable
{
    private readonly string _root;
    private readonly bool _keep;
    private Process? _process;

    private BenchPostgres(string root, bool keep, int port, string password)
    {
        _root = root;
        _keep = keep;
        Port = port;
        Password = password;
    }

    public int Port { get; }
    public string Password { get; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={LocalPostgresCluster.SuperUser};Password={Password};Database={database};Timeout=15;Command Timeout=0;Include Error Detail=true";

    /// <summary>Starts a server in <paramref name="keptFolder"/> (created on first use) or in a throw-away folder.</summary>
    public static async Task<BenchPostgres> StartAsync(string? keptFolder = null)
    {
        var bin = LocalPostgresCluster.FindBinDirectory()
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found (install postgresql-15).");
        var root = keptFolder ?? Path.Combine("/var/tmp", $"kasparro-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var passwordFile = Path.Combine(root, "password");
        var cluster = new LocalPostgresCluster(Path.Combine(root, "data"), bin);
        string password;
        if (cluster.IsInitialized && File.Exists(passwordFile))
        {
            password = (await File.ReadAllTextAsync(passwordFile)).Trim();
        }
        else
        {
            password = Guid.NewGuid().ToString("N");
            cluster.Initialize(password);
            await File.WriteAllTextAsync(passwordFile, password);
        }

        var server = new BenchPostgres(root, keptFolder is not null, LocalPostgresCluster.FindFreePort(), password);
        await server.StartProcessAsync(cluster);
        // Bigger WAL segments between checkpoints: server-wide, so the bare COPY baseline gets them too.
        await server.ExecuteAsync("postgres", "ALTER SYSTEM SET max_wal_size = '8GB'; ALTER SYSTEM SET checkpoint_timeout = '30min'; SELECT pg_reload_conf()");
        if (Environment.GetEnvironmentVariable("KASPARRO_BENCH_EXPLAIN") is { } explainMs)
        {
            // The module must be loaded in this session before its settings can be written; ALTER SYSTEM runs alone.
            await server.ExecuteEachAsync("postgres", "LOAD 'auto_explain'", "ALTER SYSTEM SET session_preload_libraries = 'auto_explain'",
                $"ALTER SYSTEM SET auto_explain.log_min_duration = {explainMs}", "ALTER SYSTEM SET auto_explain.log_analyze = on",
                "ALTER SYSTEM SET auto_explain.log_buffers = on", "ALTER SYSTEM SET auto_explain.log_nested_statements = on", "SELECT pg_reload_conf()");
        }
        return server;
    }

    /// <summary>Creates <paramref name="database"/> (if missing) and applies the EF Core migrations to it.</summary>
    public async Task<string> CreateMigratedDatabaseAsync(string database)
    {
        var exists = await ScalarAsync<bool>("postgres", $"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{database}')");
        if (!exists)
        {
            await ExecuteAsync("postgres", $"CREATE DATABASE \"{database}\" " + (Environment.GetEnvironmentVariable("KASPARRO_BENCH_COLLATE_C") == "1" ? "LC_COLLATE 'C' TEMPLATE template0" : ""));
        }

        var connectionString = ConnectionString(database);
        var options = KasparroDbOptions.Configure(new DbContextOptionsBuilder<KasparroDb>(), connectionString);
        await using (var db = new KasparroDb((DbContextOptions<KasparroDb>)options.Options))
        {
            db.Database.SetCommandTimeout(TimeSpan.FromHours(1));
            await db.Database.MigrateAsync();
        }

        return connectionString;
    }

    public async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs each statement on its own, in order, on one session.</summary>
    public async Task ExecuteEachAsync(string database, params string[] statements)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync();
        }
    }

    public async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_process is { HasExited: false })
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        _process?.Dispose();
        if (!_keep && Environment.GetEnvironmentVariable("KASPARRO_BENCH_KEEP") != "1")
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"could not remove {_root}: {ex.Message}");
            }
        }
    }

    /// <summary>
    /// CPU seconds the server has used so far: its live processes' own time, plus what its exited backends used
    /// (the postmaster waits for them, so their time is in its children's counters). Linux /proc only.
    /// </summary>
    public double CpuSeconds()
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
        var tree = new HashSet<int> { _process!.Id };
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

    private async Task StartProcessAsync(LocalPostgresCluster cluster)
    {
        // The server's own log, kept beside its data for a look at slow statements (KASPARRO_BENCH_KEEP=1 keeps it).
        var log = new StreamWriter(Path.Combine(_root, "postgres.log"), append: true) { AutoFlush = true };
        _process = await cluster.StartServerAsync(Port, Password, TimeSpan.FromSeconds(120), line => { lock (log) { log.WriteLine(line); } });
    }
}
