using Kasparro.Ingestion.Schema;
using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.Alerts;

/// <summary>Delivers the webhook outbox every <c>Alerts:Webhook:PollInterval</c>, apart from the runs, so a slow webhook never blocks ingestion.</summary>
public sealed class AlertOutboxWorker(AlertOutbox delivery, SchemaState schema, IOptions<AlertOptions> options, TimeProvider clock, ILogger<AlertOutboxWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var webhook = options.Value.Webhook;
        if (!webhook.IsConfigured)
        {
            return;
        }

        await schema.WhenReady.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(webhook.PollInterval, clock);
        do
        {
            try
            {
                await delivery.DeliverDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Delivering alert webhooks failed; retrying in {Period}", webhook.PollInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
