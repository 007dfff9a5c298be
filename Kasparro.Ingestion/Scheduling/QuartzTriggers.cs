using Quartz;

namespace Kasparro.Ingestion.Scheduling;

/// <summary>
/// The one way our jobs' triggers are stored in the shared Quartz store, used by the snapshot and backfill
/// schedules alike. Every replica runs this at start; the store makes it idempotent.
/// </summary>
public static class QuartzTriggers
{
    /// <summary>True when Quartz accepts the cron expression (seconds first, six or seven fields).</summary>
    public static bool IsValidCron(string expression)
    {
        try
        {
            _ = new CronExpression(expression);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Keeps a job's cron trigger in line with configuration: stored, rescheduled when changed, removed when unset.</summary>
    public static async Task ApplyCronAsync(IScheduler scheduler, TriggerKey key, JobKey job, string? cron, int priority, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(cron))
        {
            await scheduler.UnscheduleJob(key, cancellationToken);
            return;
        }

        var trigger = TriggerBuilder.Create()
            .WithIdentity(key)
            .ForJob(job)
            .WithPriority(priority)
            // A fire missed while no replica was up is not made up: the next one comes soon enough.
            .WithCronSchedule(cron, c => c.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing))
            .Build();
        if (await scheduler.Exists(key, cancellationToken))
        {
            await scheduler.RescheduleJob(key, trigger, cancellationToken);
        }
        else
        {
            await TryScheduleAsync(scheduler, trigger, cancellationToken);
        }
    }

    /// <summary>Another replica may have stored the same trigger a moment ago: that is the same outcome.</summary>
    public static async Task TryScheduleAsync(IScheduler scheduler, ITrigger trigger, CancellationToken cancellationToken)
    {
        try
        {
            await scheduler.ScheduleJob(trigger, default, cancellationToken);
        }
        catch (ObjectAlreadyExistsException)
        {
        }
    }
}
