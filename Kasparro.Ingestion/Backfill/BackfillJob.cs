using Kasparro.Data.Scheduling;
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
        var trigger = Scheduling.RunTrigger.Of(context);
        var outcome = await runner.RunAsync(BackfillRequest.From(options.Value), trigger.Kind, trigger.Id, cancellationToken);
        context.Result = outcome.Run;
    }
}
