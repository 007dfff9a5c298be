using Kasparro.Data.Scheduling;
using Kasparro.Ingestion.Scheduling;
using Kasparro.Data;
using Kasparro.Ingestion.Options;
using Quartz;

namespace Kasparro.Ingestion.Backfill;

/// <summary>
/// Stores the <c>coingecko-history</c> job and its triggers in the shared Quartz store, below the snapshots'
/// priority: when both are due and a thread is free for one, the snapshot goes first.
/// </summary>
public static class BackfillSchedule
{
    /// <summary>Quartz's default trigger priority is 5 (the snapshots'); the backfill yields to them.</summary>
    public const int Priority = 1;

    /// <summary>How long after start the startup backfill waits, so the first snapshot has listed the top assets.</summary>
    public static readonly TimeSpan StartupDelay = TimeSpan.FromMinutes(2);

    public static async Task RegisterAsync(IScheduler scheduler, HistoryBackfillOptions backfill, EtlOptions etl, TimeProvider clock, CancellationToken cancellationToken)
    {
        var name = EtlScheduling.JobName(SourceNames.CoinGeckoHistory);
        var jobKey = new JobKey(name, EtlScheduling.JobGroup);
        var cronKey = new TriggerKey(name, EtlScheduling.ScheduleTriggerGroup);
        if (!backfill.Enabled)
        {
            await scheduler.UnscheduleJob(cronKey, cancellationToken);
            return;
        }

        await scheduler.AddJob(JobBuilder.Create<BackfillJob>()
            .WithIdentity(jobKey)
            .WithDescription("Backfill of past prices from CoinGecko market charts")
            .StoreDurably()
            .RequestRecovery()
            .Build(), AddJobOptions.Replacing, cancellationToken);

        var cron = etl.Schedule.TryGetValue(SourceNames.CoinGeckoHistory, out var configured) && !string.IsNullOrWhiteSpace(configured)
            ? configured
            : backfill.Schedule;
        await QuartzTriggers.ApplyCronAsync(scheduler, cronKey, jobKey, cron, Priority, cancellationToken);

        if (etl.RunOnStart)
        {
            await QuartzTriggers.TryScheduleAsync(scheduler, TriggerBuilder.Create()
                .WithIdentity(name, "startup")
                .ForJob(jobKey)
                .WithPriority(Priority)
                .StartAt(clock.GetUtcNow() + StartupDelay)
                .Build(), cancellationToken);
        }
    }
}
