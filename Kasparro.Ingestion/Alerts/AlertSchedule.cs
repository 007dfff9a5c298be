using Kasparro.Ingestion.Schema;
using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.Alerts;

/// <summary>
/// Once the schema is up: syncs the configured rules (the first evaluation does) and evaluates every
/// <c>Alerts:EvaluateEvery</c>, so time-based rules (stale) fire even when no run finishes at all.
/// </summary>
public sealed class AlertSchedule(AlertEvaluator evaluator, SchemaState schema, IOptions<AlertOptions> options, TimeProvider clock, ILogger<AlertSchedule> logger)
    : PeriodicSchemaWork(schema, clock)
{
    protected override TimeSpan Interval => options.Value.EvaluateEvery;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => evaluator.EvaluateAsync(cancellationToken);

    protected override void LogFailure(Exception exception) => logger.LogError(exception, "Evaluating alert rules failed; retrying in {Period}", Interval);
}
