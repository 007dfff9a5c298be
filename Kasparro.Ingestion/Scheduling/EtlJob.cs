using Kasparro.Data.Scheduling;
using Kasparro.Ingestion.Pipeline;
using Quartz;

namespace Kasparro.Ingestion.Scheduling;

/// <summary>
/// The Quartz job of one source (its job key name is the source). Fired by the source's cron trigger, by
/// the startup trigger, or by a one-off trigger the API scheduled (which carries the API's trigger id).
/// </summary>
[DisallowConcurrentExecution]
public sealed class EtlJob(EtlRunner runner) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var source = context.JobDetail.Key.Name;
        var trigger = RunTrigger.Of(context);
        // A full refresh asked for through the API (POST /trigger-etl?full_refresh=true) forgets the source's checkpoints first.
        var fullRefresh = context.MergedJobDataMap.TryGetString(EtlScheduling.FullRefreshKey, out var refresh) && refresh == "true";
        var outcome = await runner.RunAsync(source, trigger.Kind, trigger.Id, cancellationToken, fullRefresh);
        context.Result = outcome;
    }
}
