using System.Globalization;
using System.Text.Json.Nodes;
using Kasparro.Data.Entities;

namespace Kasparro.Ingestion.Alerts;

/// <summary>The webhook body of an alert event (docs/alerts.md shows one); built once and stored in the outbox as sent.</summary>
public static class AlertEvents
{
    public const string Opened = "opened";
    public const string Resolved = "resolved";

    public static string Body(string alertEvent, Alert alert, AlertRule rule) => new JsonObject
    {
        // Stable per alert and event: a receiver that sees an event twice (at-least-once delivery) can drop the repeat.
        ["event_id"] = $"{alert.Id}:{alertEvent}",
        ["event"] = alertEvent,
        ["alert"] = new JsonObject
        {
            ["id"] = alert.Id,
            ["rule_id"] = rule.Id,
            ["kind"] = rule.Kind,
            ["subject"] = alert.Subject,
            ["state"] = alert.State,
            ["opened_at"] = alert.OpenedAt.UtcDateTime,
            ["resolved_at"] = alert.ResolvedAt?.UtcDateTime,
            ["details"] = JsonNode.Parse(alert.Details),
        },
        ["rule"] = new JsonObject
        {
            ["id"] = rule.Id,
            ["kind"] = rule.Kind,
            ["asset_id"] = rule.AssetId,
            ["source"] = rule.Source,
            ["threshold_pct"] = rule.ThresholdPct,
            ["window"] = Duration(rule.Window),
            ["stale_after"] = Duration(rule.StaleAfter),
            ["cooldown"] = Duration(rule.Cooldown),
            ["origin"] = rule.Origin,
        },
    }.ToJsonString();

    private static string? Duration(TimeSpan? value) => value?.ToString("c", CultureInfo.InvariantCulture);
}
