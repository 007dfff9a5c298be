using Kasparro.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Xunit;

namespace Kasparro.Testing;

/// <summary>A fresh, migrated database on the shared test server, one per test class (<c>IClassFixture</c>).</summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync() => ConnectionString = await (await PostgresServer.Shared).CreateDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public KasparroDb CreateDb() =>
        new((DbContextOptions<KasparroDb>)KasparroDbOptions.Configure(new DbContextOptionsBuilder<KasparroDb>(), ConnectionString).Options);

    /// <summary>Runs a scalar query, for assertions that count rows.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs statements without a result, for tests that arrange the database by hand.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Ends every other session on the class database and waits until each is gone. For tests that kill service
    /// processes: PostgreSQL notices a vanished client only when it next talks to it, so a killed process's backend goes on
    /// with the statement it was running (a rollup step over a large load can take most of a minute on a busy machine)
    /// and holds that statement's locks meanwhile, which would keep the next test's <see cref="ResetAsync"/> waiting.
    /// </summary>
    public Task TerminateOtherSessionsAsync() => ExecuteAsync(
        "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");

    /// <summary>Empties every data table (not the Quartz store), for tests that share the class database.</summary>
    public async Task ResetAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            TRUNCATE raw_records, normalized_records, price_points, price_chunks, price_series, price_rollups_1h, price_rollups_1h_encoded, price_rollups_1d, price_rollup_queue, asset_mappings, assets,
                     etl_checkpoints, etl_runs, schema_drift_events, quarantined_records, source_states RESTART IDENTITY CASCADE
            """, connection);
        await command.ExecuteNonQueryAsync();
    }
}
