using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Ingestion.Alerts;

/// <summary>
/// Drains the webhook outbox (alert_deliveries): each due event is locked with <c>FOR UPDATE SKIP LOCKED</c> (so
/// replicas never send the same event at once), sent, and marked delivered; a failed attempt waits
/// <c>Alerts:Webhook:RedeliveryDelay</c>, doubling up to <c>MaxRedeliveryDelay</c>, and is retried until the webhook
/// takes it. An alert's events go out in order: a later one waits while an earlier one is undelivered.
/// </summary>
public sealed class AlertOutbox(NpgsqlDataSource dataSource, AlertWebhookClient webhook, IOptions<AlertOptions> options, TimeProvider clock, ILogger<AlertOutbox> logger)
{
    /// <summary>Sends every event due now; returns how many the webhook accepted.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var delivered = 0;
        while (await DeliverNextAsync(cancellationToken) is { } accepted)
        {
            delivered += accepted ? 1 : 0;
        }

        return delivered;
    }

    /// <summary>Null when nothing is due; otherwise whether the one event taken was accepted.</summary>
    private async Task<bool?> DeliverNextAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long id;
        long? alertId;
        string body;
        int attempts;
        await using (var select = new NpgsqlCommand("""
            SELECT d.id, d.alert_id, d.body, d.attempts
            FROM alert_deliveries d
            WHERE d.delivered_at IS NULL AND d.next_attempt_at <= @now
              AND NOT EXISTS (SELECT 1 FROM alert_deliveries e WHERE e.alert_id = d.alert_id AND e.delivered_at IS NULL AND e.id < d.id)
            ORDER BY d.next_attempt_at, d.id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            select.Parameters.AddWithValue("now", clock.GetUtcNow());
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            id = reader.GetInt64(0);
            alertId = reader.IsDBNull(1) ? null : reader.GetInt64(1);
            body = reader.GetString(2);
            attempts = reader.GetInt32(3) + 1;
        }

        var error = await webhook.SendAsync(body, cancellationToken);
        var now = clock.GetUtcNow();
        await using var update = new NpgsqlCommand(error is null
            ? """
              UPDATE alert_deliveries SET delivered_at = @now, attempts = @attempts, last_error = NULL WHERE id = @id;
              UPDATE alerts SET last_notified_at = @now WHERE id = @alert;
              """
            : "UPDATE alert_deliveries SET attempts = @attempts, next_attempt_at = @next, last_error = @error WHERE id = @id",
            connection, transaction);
        update.Parameters.AddWithValue("id", id);
        update.Parameters.AddWithValue("attempts", attempts);
        update.Parameters.AddWithValue("now", now);
        update.Parameters.Add(new NpgsqlParameter<long?>("alert", NpgsqlTypes.NpgsqlDbType.Bigint) { TypedValue = alertId });
        update.Parameters.AddWithValue("next", now + Backoff(attempts));
        update.Parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
        await update.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        if (error is not null)
        {
            logger.LogWarning("Alert webhook delivery {DeliveryId} failed (attempt {Attempt}), retrying in {Delay}: {Error}", id, attempts, Backoff(attempts), error);
        }

        return error is null;
    }

    private TimeSpan Backoff(int attempts)
    {
        var webhookOptions = options.Value.Webhook;
        var delay = webhookOptions.RedeliveryDelay * Math.Pow(2, Math.Min(attempts - 1, 20));
        return delay < webhookOptions.MaxRedeliveryDelay ? delay : webhookOptions.MaxRedeliveryDelay;
    }
}
