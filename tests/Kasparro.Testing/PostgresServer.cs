using System.Diagnostics;
using Kasparro.AppHost.Postgres;
using Kasparro.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kasparro.Testing;

/// <summary>
/// A real PostgreSQL server started from the machine's binaries. <see cref="Shared"/> serves most tests (each class
/// gets its own database cloned from a migrated template); fault tests start their own with <see cref="StartAsync()"/>
/// so they can stop it; the benchmarks start one in a folder they may keep between runs.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string TemplateDatabase = "kasparro_template";
    private static readonly Lazy<Task<PostgresServer>> SharedServer = new(async () =>
    {
        var server = await StartAsync();
        await server.CreateMigratedDatabaseAsync(TemplateDatabase);
        // A template must have no open connections when it is cloned.
        NpgsqlConnection.ClearAllPools();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    });

    private readonly LocalPostgresCluster _cluster;
    private readonly string _root;
    private readonly bool _keep;
    private readonly string _connectionSettings;
    private Process? _process;

    private PostgresServer(string root, bool keep, LocalPostgresCluster cluster, int port, string password, string connectionSettings)
    {
        _root = root;
        _keep = keep;
        _cluster = cluster;
        _connectionSettings = connectionSettings;
        Port = port;
        Password = password;
    }

    public int Port { get; }
    public string Password { get; }

    /// <summary>The server's main process (the postmaster), whose children are its backends.</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The server is not running.");

    /// <summary>The server shared by the test assembly, with the schema migrated into a template database.</summary>
    public static Task<PostgresServer> Shared => SharedServer.Value;

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={LocalPostgresCluster.SuperUser};Password={Password};Database={database};{_connectionSettings};Include Error Detail=true";

    /// <summary>Initializes a fresh cluster in a folder of this test run and starts it; disposing removes the folder.</summary>
    public static Task<PostgresServer> StartAsync() => StartAsync(TestTemp.NewFolder("pg"), keep: false, connectionSettings: "Timeout=5");

    /// <summary>
    /// Starts a server whose cluster lives in <paramref name="folder"/>: initialized on first use, reused after (its
    /// password is kept beside the data). <paramref name="keep"/>: the folder survives <see cref="DisposeAsync"/>.
    /// The server's own log is <c>postgres.log</c> in the folder.
    /// </summary>
    public static async Task<PostgresServer> StartAsync(string folder, bool keep, string connectionSettings)
    {
        var bin = LocalPostgresCluster.FindBinDirectory()
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found (install postgresql-15).");
        Directory.CreateDirectory(folder);
        var passwordFile = Path.Combine(folder, "password");
        var cluster = new LocalPostgresCluster(Path.Combine(folder, "data"), bin);
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

        var server = new PostgresServer(folder, keep, cluster, LocalPostgresCluster.FindFreePort(), password, connectionSettings);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Creates an empty, fully migrated database for one test class, cloned from the template.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)];
        await ExecuteAsync("postgres", $"CREATE DATABASE \"{name}\" TEMPLATE {TemplateDatabase}");
        return ConnectionString(name);
    }

    /// <summary>
    /// Creates <paramref name="database"/> when it is missing (<paramref name="createClauses"/> are appended to its
    /// CREATE DATABASE) and applies the EF Core migrations to it. Returns its connection string.
    /// </summary>
    public async Task<string> CreateMigratedDatabaseAsync(string database, string createClauses = "")
    {
        if (!await ScalarAsync<bool>("postgres", $"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{database}')"))
        {
            await ExecuteAsync("postgres", $"CREATE DATABASE \"{database}\" {createClauses}");
        }

        var connectionString = ConnectionString(database);
        var options = KasparroDbOptions.Configure(new DbContextOptionsBuilder<KasparroDb>(), connectionString);
        await using var db = new KasparroDb((DbContextOptions<KasparroDb>)options.Options);
        db.Database.SetCommandTimeout(TimeSpan.FromHours(1));
        await db.Database.MigrateAsync();
        return connectionString;
    }

    /// <summary>Runs each statement on its own, in order, on one session, without a time limit.</summary>
    public async Task ExecuteAsync(string database, params string[] statements)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Runs a scalar query without a time limit.</summary>
    public async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Stops the server (fast shutdown), as when the database goes away under a running service.</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        // SIGTERM: the wrapper turns it into PostgreSQL's fast shutdown.
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        _process.Dispose();
        _process = null;
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Starts the server again on the same port and data.</summary>
    public Task RestartAsync() => StartProcessAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            if (!_keep)
            {
                try
                {
                    Directory.Delete(_root, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Best effort: whatever a test run leaves behind, the next run removes (TestTemp).
                    Console.Error.WriteLine($"could not remove {_root}: {ex.Message}");
                }
            }
        }
    }

    private async Task StartProcessAsync()
    {
        // The server's own log, kept beside its data for a look at slow or failing statements.
        var log = new StreamWriter(Path.Combine(_root, "postgres.log"), append: true) { AutoFlush = true };
        _process = await _cluster.StartServerAsync(Port, Password, TimeSpan.FromSeconds(120), line => { lock (log) { log.WriteLine(line); } });
    }
}
