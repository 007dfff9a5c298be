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
    /// Adds a pooled <see cref="KasparroDb"/> (with Aspire's health check, metrics and tracing) and the
    /// <see cref="NpgsqlDataSource"/> that bulk writes and hand-tuned queries use. Fails at start when the
    /// connection string is missing.
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

        builder.Services.AddDbContextPool<KasparroDb>(options => KasparroDbOptions.Configure(options, connectionString));
        // Retries stay off: writers run their own transactions, and a read that fails should fail fast as a 503.
        builder.EnrichNpgsqlDbContext<KasparroDb>(settings => settings.DisableRetry = true);
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        return builder;
    }
}
