using Kasparro.Data.Scheduling;
using Quartz;

namespace Kasparro.Ingestion.Scheduling;

/// <summary>
/// What a run records as its trigger (<c>etl_runs.trigger</c> and <c>trigger_id</c>) for the Quartz trigger that fired
/// its job: the same for every job, snapshot or backfill.
/// </summary>
public sealed record RunTrigger(string Kind, string? Id)
{
    /// <summary>The trigger of the fire <paramref name="context"/> describes.</summary>
    public static RunTrigger Of(IJobExecutionContext context) => Of(context.Trigger.Key, context.MergedJobDataMap);

    /// <summary>
    /// A manual trigger records who asked (an operator key, a dashboard user; <c>manual</c> when it names no one), a
    /// cron trigger <c>schedule</c>, any other its group (<c>startup</c>). The id is the one <c>POST /trigger-etl</c> returned.
    /// </summary>
    public static RunTrigger Of(TriggerKey key, JobDataMap data)
    {
        var kind = key.Group switch
        {
            EtlScheduling.ManualTriggerGroup => data.TryGetString(EtlScheduling.TriggerKey, out var asked) && !string.IsNullOrEmpty(asked)
                ? asked
                : EtlScheduling.ManualTriggerGroup,
            EtlScheduling.ScheduleTriggerGroup => "schedule",
            var group => group,
        };
        return new RunTrigger(kind, data.TryGetString(EtlScheduling.TriggerIdKey, out var id) ? id : null);
    }
}
