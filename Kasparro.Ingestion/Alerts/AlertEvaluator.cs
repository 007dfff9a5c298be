using System.Text.Json.Nodes;
using Kasparro.Data.Entities;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Ingestion.Alerts;

/// <summary>What one evaluation changed.</summary>
public readonly record struct AlertChanges(int Opened, int Resolved, int Suppressed);

/// <summary>
/// Evaluates every rule after each finished run (and on <c>Alerts:EvaluateEvery</c>): opens an alert for each subject
/// whose condition holds and has no open alert (unless its last alert resolved within the rule's cooldown), resolves
/// open alerts whose condition cleared, and writes a webhook outbox row for each change in the same transaction.
/// One evaluation at a time across replicas (a transaction-scoped advisory lock); the open-alert unique index backs it.
/// </summary>
public sealed class AlertEvaluator(NpgsqlDataSource dataSource, IOptions<AlertOptions> options, TimeProvider clock, ILogger<AlertEvaluator> logger)
{
    private volatile bool _rulesSynced;

    /// <summary>The hook the runner calls when a run has finished: never throws, so alerting can never fail a run.</summary>
    public async Task EvaluateAfterRunAsync(string source, long runId)
    {
        try
        {
            var changes = await EvaluateAsync(CancellationToken.None);
            if (changes.Opened + changes.Resolved > 0)
            {
                logger.LogInformation("Alerts after run {RunId} of {Source}: {Opened} opened, {Resolved} resolved", runId, source, changes.Opened, changes.Resolved);
            }
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Evaluating alert rules after run {RunId} of {Source} failed; the run is unaffected", runId, source);
        }
    }

    public async Task<AlertChanges> EvaluateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('kasparro-alerts', 0))", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        if (!_rulesSynced)
        {
            await ConfiguredAlertRules.SyncAsync(connection, transaction, options.Value.Rules, clock.GetUtcNow(), cancellationToken);
        }

        var now = clock.GetUtcNow();
        var changes = default(AlertChanges);
        foreach (var rule in await AlertRuleRows.LoadAsync(connection, transaction, origin: null, cancellationToken))
        {
            var firing = await AlertConditions.FiringAsync(connection, transaction, rule, now, cancellationToken);
            var open = await OpenAlertsAsync(connection, transaction, rule.Id, cancellationToken);
            var coolingDown = rule.Cooldown > TimeSpan.Zero
                ? await RecentlyResolvedAsync(connection, transaction, rule.Id, now - rule.Cooldown, cancellationToken)
                : [];

            foreach (var (subject, details) in firing.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                if (open.ContainsKey(subject))
                {
                    continue;
                }

                if (coolingDown.Contains(subject))
                {
                    changes = changes with { Suppressed = changes.Suppressed + 1 };
                    continue;
                }

                var alert = new Alert { RuleId = rule.Id, Subject = subject, State = AlertStates.Open, OpenedAt = now, Details = details.ToJsonString() };
                alert.Id = await InsertAlertAsync(connection, transaction, alert, cancellationToken);
                await EnqueueAsync(connection, transaction, alert, rule, AlertEvents.Opened, now, cancellationToken);
                changes = changes with { Opened = changes.Opened + 1 };
            }

            foreach (var (subject, alert) in open)
            {
                if (firing.ContainsKey(subject))
                {
                    continue;
                }

                alert.State = AlertStates.Resolved;
                alert.ResolvedAt = now;
                await ResolveAsync(connection, transaction, alert.Id, now, cancellationToken);
                await EnqueueAsync(connection, transaction, alert, rule, AlertEvents.Resolved, now, cancellationToken);
                changes = changes with { Resolved = changes.Resolved + 1 };
            }
        }

        await transaction.CommitAsync(cancellationToken);
        _rulesSynced = true;
        return changes;
    }

    private async Task EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Alert alert, AlertRule rule, string alertEvent, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Without a webhook alerts are only stored: an outbox nobody drains would flood a webhook configured later.
        if (!options.Value.Webhook.IsConfigured)
        {
            return;
        }

        await using var command = new NpgsqlCommand("""
            INSERT INTO alert_deliveries (alert_id, event, body, attempts, next_attempt_at, created_at)
            VALUES (@alert, @event, @body, 0, @now, @now)
            """, connection, transaction);
        command.Parameters.AddWithValue("alert", alert.Id);
        command.Parameters.AddWithValue("event", alertEvent);
        command.Parameters.AddWithValue("body", AlertEvents.Body(alertEvent, alert, rule));
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<Dictionary<string, Alert>> OpenAlertsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long ruleId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT id, subject, opened_at, details::text FROM alerts WHERE rule_id = @rule AND state = 'open'", connection, transaction);
        command.Parameters.AddWithValue("rule", ruleId);
        var open = new Dictionary<string, Alert>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            open[reader.GetString(1)] = new Alert
            {
                Id = reader.GetInt64(0), RuleId = ruleId, Subject = reader.GetString(1), State = AlertStates.Open,
                OpenedAt = reader.GetFieldValue<DateTimeOffset>(2), Details = reader.GetString(3),
            };
        }

        return open;
    }

    private static async Task<HashSet<string>> RecentlyResolvedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long ruleId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT DISTINCT subject FROM alerts WHERE rule_id = @rule AND state = 'resolved' AND resolved_at > @since", connection, transaction);
        command.Parameters.AddWithValue("rule", ruleId);
        command.Parameters.AddWithValue("since", since);
        var subjects = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            subjects.Add(reader.GetString(0));
        }

        return subjects;
    }

    private static async Task<long> InsertAlertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Alert alert, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO alerts (rule_id, subject, state, opened_at, details)
            VALUES (@rule, @subject, 'open', @now, @details::jsonb)
            RETURNING id
            """, connection, transaction);
        command.Parameters.AddWithValue("rule", alert.RuleId);
        command.Parameters.AddWithValue("subject", alert.Subject);
        command.Parameters.AddWithValue("now", alert.OpenedAt);
        command.Parameters.AddWithValue("details", alert.Details);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ResolveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long alertId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "UPDATE alerts SET state = 'resolved', resolved_at = @now WHERE id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", alertId);
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
