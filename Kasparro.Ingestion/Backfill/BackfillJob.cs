using Kasparro.Data;
using Microsoft.Extensions.Options;
using Quartz;

namespace Kasparro.Ingestion.Backfill;

/// <summary>
/// The Quartz job <c>coingecko-history</c>: a backfill of the configured top N assets (<c>Backfill:Days</c>,
/// <c>Backfill:Top</c>), fired by its cron, a startup trigger or a one-off trigger from the API.
/// </summary>
[DisallowConcurrentExecution]
public sealed class BackfillJob(BackfillRunner runner, IOptions<HistoryBackfillOptions> options) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var kind = context.Trigger.Key.Group switch
        {
            EtlScheduling.ManualTriggerGroup => "manual",
            EtlScheduling.ScheduleTriggerGroup => "schedule",
            var group => group,
        };
        var triggerId = context.MergedJobDataMap.TryGetString(EtlScheduling.TriggerIdKey, out var id) ? id : null;
        var outcome = await runner.RunAsync(BackfillRequest.From(options.Value), kind, triggerId, cancellationToken);
        context.Result = outcome.Run;
    }
}
