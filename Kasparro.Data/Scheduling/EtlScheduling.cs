namespace Kasparro.Data.Scheduling;

/// <summary>
/// Names in the shared Quartz job store. Kasparro.Ingestion stores one durable job per source and runs it;
/// Kasparro.Api only schedules one-off triggers for those jobs, so a run always happens in the ingestion service.
/// </summary>
public static class EtlScheduling
{
    /// <summary>Quartz scheduler name: every process that shares the job store uses it.</summary>
    public const string SchedulerName = "kasparro";
    public const string JobGroup = "etl";
    public const string ScheduleTriggerGroup = "schedule";
    /// <summary>Group of the one-off triggers asked for through the API; one per source at a time.</summary>
    public const string ManualTriggerGroup = "manual";
    /// <summary>Job-data key carrying the id that <c>POST /trigger-etl</c> returned.</summary>
    public const string TriggerIdKey = "trigger_id";
    /// <summary>Job-data key naming what the run's <c>trigger</c> records for a manual run: <c>manual</c> or who asked.</summary>
    public const string TriggerKey = "trigger";

    /// <summary>Job data of a manual trigger asking for a full refresh (<c>POST /trigger-etl?full_refresh=true</c>): "true".</summary>
    public const string FullRefreshKey = "full_refresh";

    /// <summary>The job (and manual trigger) name of a source.</summary>
    public static string JobName(string source) => source;
}
