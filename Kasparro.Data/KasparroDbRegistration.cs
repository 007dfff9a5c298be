using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Kasparro.Data;

/// <summary>Registers <see cref="KasparroDb"/> and a shared <see cref="NpgsqlDataSource"/> from <c>ConnectionStrings:kasparro</c>.</summary>
public static class KasparroDbRegistration
{
    /// <summary>
    /// Adds the <see cref="NpgsqlDataSource"/> that bulk writes and hand-tuned queries use, and a pooled
    /// <see cref="KasparroDb"/> on the same data source (with Aspire's health check, metrics and tracing). Fails at
    /// start when the connection string is missing.
    /// </summary>
    public static IHostApplicationBuilder AddKasparroDb(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ResourceNames.Database);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ResourceNames.Database} is not set. Run the stack through Kasparro.AppHost, " +
                $"or set ConnectionStrings__{ResourceNames.Database} in the environment.");
        }

        // EF Core takes its connections from the same data source as the hand-written queries: one pool per service,
        // which the API bounds (DatabasePoolOptions) for every endpoint, not only the hot ones.
        builder.Services.AddDbContextPool<KasparroDb>((services, options) =>
            KasparroDbOptions.Configure(options, services.GetRequiredService<NpgsqlDataSource>()));
        // Retries stay off: writers run their own transactions, and a read that fails should fail fast as a 503.
        builder.EnrichNpgsqlDbContext<KasparroDb>(settings => settings.DisableRetry = true);
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        return builder;
    }
}
