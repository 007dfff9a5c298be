using System.Diagnostics;
using Kasparro.AppHost.Postgres;
using Kasparro.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kasparro.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL server started by the test run from the machine's binaries, in a throw-away folder.
/// <see cref="Shared"/> serves most tests (each class gets its own database cloned from a migrated
/// template); fault tests start their own with <see cref="StartAsync"/> so they can stop it.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string TemplateDatabase = "kasparro_template";
    private static readonly Lazy<Task<PostgresServer>> SharedServer = new(async () =>
    {
        var server = await StartAsync();
        await server.CreateTemplateAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    });

    private readonly LocalPostgresCluster _cluster;
    private readonly string _root;
    private Process? _process;

    private PostgresServer(string root, LocalPostgresCluster cluster, int port, string password)
    {
        _root = root;
        _cluster = cluster;
        Port = port;
        Password = password;
    }

    public int Port { get; }
    public string Password { get; }

    /// <summary>The server shared by the test assembly, with the schema migrated into a template database.</summary>
    public static Task<PostgresServer> Shared => SharedServer.Value;

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={LocalPostgresCluster.SuperUser};Password={Password};Database={database};Timeout=5;Include Error Detail=true";

    /// <summary>Initializes a fresh cluster in a temporary folder and starts it.</summary>
    public static async Task<PostgresServer> StartAsync()
    {
        var bin = LocalPostgresCluster.FindBinDirectory()
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found (install postgresql-15).");
        var root = TestTemp.NewFolder("pg");
        var password = Guid.NewGuid().ToString("N");
        var cluster = new LocalPostgresCluster(Path.Combine(root, "data"), bin);
        cluster.Initialize(password);
        var server = new PostgresServer(root, cluster, LocalPostgresCluster.FindFreePort(), password);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Creates an empty, fully migrated database for one test class.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)];
        await ExecuteAsync($"CREATE DATABASE \"{name}\" TEMPLATE {TemplateDatabase}");
        return ConnectionString(name);
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

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
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
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: whatever is left behind, the next run removes (TestTemp).
            }
        }
    }

    private async Task StartProcessAsync() =>
        _process = await _cluster.StartServerAsync(Port, Password, TimeSpan.FromSeconds(60));

    private async Task CreateTemplateAsync()
    {
        await ExecuteAsync($"CREATE DATABASE {TemplateDatabase}");
        var options = KasparroDbOptions.Configure(new DbContextOptionsBuilder<KasparroDb>(), ConnectionString(TemplateDatabase));
        await using (var db = new KasparroDb((DbContextOptions<KasparroDb>)options.Options))
        {
            await db.Database.MigrateAsync();
        }

        // A template must have no open connections when it is cloned.
        NpgsqlConnection.ClearAllPools();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
