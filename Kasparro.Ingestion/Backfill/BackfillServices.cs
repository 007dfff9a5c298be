namespace Kasparro.Ingestion.Backfill;

/// <summary>Registers the backfill: its options (validated at start), its rate budget and its runner.</summary>
public static class BackfillServices
{
    public static IServiceCollection AddBackfill(this IServiceCollection services)
    {
        services.AddOptions<HistoryBackfillOptions>().BindConfiguration(HistoryBackfillOptions.Section).ValidateDataAnnotations()
            .Validate(o => string.IsNullOrWhiteSpace(o.Schedule) || Scheduling.QuartzTriggers.IsValidCron(o.Schedule),
                "Backfill:Schedule is not a valid Quartz cron expression (six or seven fields, seconds first, e.g. '0 15 * * * ?')")
            .Validate(o => o.RefreshAfter > TimeSpan.Zero, "Backfill:RefreshAfter must be positive")
            .ValidateOnStart();
        services.AddSingleton<BackfillRateLimiter>();
        services.AddTransient<BackfillRunner>();
        return services;
    }
}
