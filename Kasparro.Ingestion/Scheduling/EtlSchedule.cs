using Kasparro.Data;
using Kasparro.Data.Scheduling;
using Kasparro.Ingestion.Options;
using Kasparro.Ingestion.Schema;
using Kasparro.Ingestion.Sources;
using Microsoft.Extensions.Options;
using Quartz;

namespace Kasparro.Ingestion.Scheduling;

/// <summary>
/// Starts the clustered Quartz scheduler once the schema is in place: stores one durable job per enabled
/// source, keeps each source's cron trigger in line with <c>Etl:Schedule</c>, and asks for one run of each
/// source at start so a fresh stack has data. Every replica does this; the shared store makes it idempotent.
/// </summary>
public sealed class EtlSchedule(
    IServiceProvider services,
    SchemaState schema,
    IServiceScopeFactory scopes,
    IOptions<EtlOptions> etl,
    ILogger<EtlSchedule> logger) : BackgroundService
{
    public const string StartupTriggerGroup = "startup";
    private IScheduler? _scheduler;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WhenReady.WaitAsync(stoppingToken);
        // Resolved only now: the named scheduler touches its job store, which the migrations just created.
        _scheduler = services.GetRequiredKeyedService<IScheduler>(EtlScheduling.SchedulerName);

        List<string> enabled;
        await using (var scope = scopes.CreateAsyncScope())
        {
            enabled = scope.ServiceProvider.GetServices<IMarketSource>().Where(s => s.Enabled).Select(s => s.Name).ToList();
        }

        foreach (var source in enabled)
        {
            await RegisterAsync(_scheduler, source, stoppingToken);
        }

        // The backfill (coingecko-history) keeps its own job, triggers and lower priority: see BackfillSchedule.
        await Backfill.BackfillSchedule.RegisterAsync(_scheduler, services.GetRequiredService<IOptions<Backfill.HistoryBackfillOptions>>().Value, etl.Value,
            services.GetRequiredService<TimeProvider>(), stoppingToken);

        await _scheduler.Start(stoppingToken);
        logger.LogInformation("ETL scheduler started for {Sources}", string.Join(", ", enabled));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_scheduler is { } scheduler)
        {
            // Running jobs are cancelled through their token; their runs record 'cancelled' and the
            // checkpoint keeps what was committed.
            await scheduler.Shutdown(waitForJobsToComplete: false, cancellationToken);
            _scheduler = null;
        }

        await base.StopAsync(cancellationToken);
    }

    private async Task RegisterAsync(IScheduler scheduler, string source, CancellationToken cancellationToken)
    {
        var jobKey = new JobKey(EtlScheduling.JobName(source), EtlScheduling.JobGroup);
        var job = JobBuilder.Create<EtlJob>()
            .WithIdentity(jobKey)
            .WithDescription($"ETL run of {source}")
            .StoreDurably()
            // A replica that dies mid-run leaves the fire to another replica, which runs it again.
            .RequestRecovery()
            .Build();
        await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);

        var cronKey = new TriggerKey(EtlScheduling.JobName(source), EtlScheduling.ScheduleTriggerGroup);
        etl.Value.Schedule.TryGetValue(source, out var cron);
        await QuartzTriggers.ApplyCronAsync(scheduler, cronKey, jobKey, cron, TriggerConstants.DefaultPriority, cancellationToken);

        if (etl.Value.RunOnStart)
        {
            await QuartzTriggers.TryScheduleAsync(scheduler, TriggerBuilder.Create()
                .WithIdentity(EtlScheduling.JobName(source), StartupTriggerGroup)
                .ForJob(jobKey)
                .StartNow()
                .Build(), cancellationToken);
        }
    }
}
