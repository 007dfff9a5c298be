using Kasparro.Ingestion.Schema;
using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.Alerts;

/// <summary>
/// Once the schema is up: syncs the configured rules (the first evaluation does) and evaluates every
/// <c>Alerts:EvaluateEvery</c>, so time-based rules (stale) fire even when no run finishes at all.
/// </summary>
public sealed class AlertSchedule(AlertEvaluator evaluator, SchemaState schema, IOptions<AlertOptions> options, TimeProvider clock, ILogger<AlertSchedule> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WhenReady.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.EvaluateEvery, clock);
        do
        {
            try
            {
                await evaluator.EvaluateAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Evaluating alert rules failed; retrying in {Period}", options.Value.EvaluateEvery);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
