using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Kasparro.Data.Scheduling;

/// <summary>
/// The one configuration of the shared Quartz job store (PostgreSQL, clustered), used by the ingestion
/// service (which runs jobs) and the API (which only schedules triggers and never starts its scheduler).
/// </summary>
public static class QuartzStore
{
    public static IServiceCollection AddKasparroQuartz(this IServiceCollection services, IConfiguration configuration, Action<IQuartzBuilder>? configure = null)
    {
        var connectionString = configuration.GetConnectionString(ResourceNames.Database)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ResourceNames.Database} is not set.");
        return services.AddQuartz(EtlScheduling.SchedulerName, quartz =>
        {
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(connectionString);
                // Our migrations own the tables (QuartzJobStore); Quartz only validates them at start.
                store.ConfigureStore(ado => ado.TablePrefix = "qrtz_");
                // Several ingestion replicas share the store; each fire runs on exactly one of them.
                store.UseClustering(cluster =>
                {
                    cluster.CheckinInterval = TimeSpan.FromSeconds(10);
                    cluster.CheckinMisfireThreshold = TimeSpan.FromSeconds(20);
                });
            });
            configure?.Invoke(quartz);
        });
    }
}
