using Kasparro.Data;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Ingestion.Schema;

/// <summary>
/// Owns the database schema: applies EF Core migrations at start, retrying until the database answers.
/// The service reports healthy only once this is done, so everything that waits for it sees the schema.
/// </summary>
public sealed class SchemaMigrator(IServiceScopeFactory scopes, SchemaState state, ILogger<SchemaMigrator> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await MigrateAsync(scopes, stoppingToken);
                state.MarkReady();
                logger.LogInformation("Database schema is up to date");
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                state.MarkFailed(ex.Message);
                logger.LogWarning(ex, "Applying migrations failed; retrying in {Delay}", delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 15));
            }
        }
    }

    /// <summary>Applies every pending migration (used by <c>--init-db</c> and at start).</summary>
    public static async Task MigrateAsync(IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KasparroDb>();
        await db.Database.MigrateAsync(cancellationToken);
    }
}
