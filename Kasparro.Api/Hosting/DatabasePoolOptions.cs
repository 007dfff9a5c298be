using System.ComponentModel.DataAnnotations;
using Npgsql;

namespace Kasparro.Api.Hosting;

/// <summary>
/// The <c>DatabasePool</c> section: how many connections the API's <see cref="NpgsqlDataSource"/> (every endpoint: the
/// hand-written queries and EF Core's) may hold. Npgsql's default of 100 lets every concurrent request run its query
/// at once: on a small database machine PostgreSQL's backends then fight the API for the cores and p99 suffers most.
/// A small pool queues requests in order in the API instead (measured in docs/performance.md, Read path).
/// </summary>
public sealed class DatabasePoolOptions
{
    public const string Section = "DatabasePool";

    /// <summary>The application_name of the pool's connections, unless the connection string names one.</summary>
    public const string ApplicationName = "kasparro-api";

    /// <summary>Defaults to two per core of this machine, which on one shared box is also the database's.</summary>
    [Range(1, 1000)]
    public int MaxConnections { get; set; } = Math.Max(2, 2 * Environment.ProcessorCount);

    /// <summary>The API's data source: <paramref name="connectionString"/> with <see cref="MaxConnections"/> as its pool limit.</summary>
    public NpgsqlDataSource BuildDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.MaxPoolSize = MaxConnections;
        // Named, so pg_stat_activity tells the API's connections from the others.
        builder.ConnectionStringBuilder.ApplicationName ??= ApplicationName;
        builder.ConnectionStringBuilder.MinPoolSize = Math.Min(builder.ConnectionStringBuilder.MinPoolSize, MaxConnections);
        // No reset round on every return to the pool: the API sets no session state on pooled connections (no SET,
        // temporary tables, session advisory locks or LISTEN; the listeners hold unpooled connections of their own).
        // With prepared statements Npgsql's reset is seven statements that PostgreSQL parses and plans on the next use,
        // which cost more than the prepared page saved (docs/performance.md, "API overhead: where the time goes").
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        return builder.Build();
    }
}
