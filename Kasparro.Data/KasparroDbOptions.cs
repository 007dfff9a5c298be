using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kasparro.Data;

/// <summary>The one place that configures the provider for <see cref="KasparroDb"/>.</summary>
public static class KasparroDbOptions
{
    /// <summary>For tools and benchmarks that have only a connection string.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString).UseSnakeCaseNamingConvention();

    /// <summary>For the services: EF Core shares the service's <see cref="NpgsqlDataSource"/>, and so its pool and limits.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, NpgsqlDataSource dataSource) =>
        options.UseNpgsql(dataSource).UseSnakeCaseNamingConvention();
}
