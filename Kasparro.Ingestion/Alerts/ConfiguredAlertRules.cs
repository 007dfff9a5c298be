using Kasparro.Data.Entities;
using Npgsql;

namespace Kasparro.Ingestion.Alerts;

/// <summary>
/// Makes alert_rules' <c>config</c> rows say what <c>Alerts:Rules</c> says: an unchanged rule keeps its id (and its
/// alerts), a new one is inserted, one no longer configured is deleted with its alerts. API rules are left alone.
/// </summary>
public static class ConfiguredAlertRules
{
    public static async Task SyncAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<AlertRuleOptions> configured, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stored = await AlertRuleRows.LoadAsync(connection, transaction, AlertRuleOrigins.Config, cancellationToken);

        foreach (var definition in configured.Select(r => r.ToDefinition()))
        {
            var same = stored.FirstOrDefault(definition.Matches);
            if (same is not null)
            {
                stored.Remove(same);
                continue;
            }

            var rule = definition.ToRule(AlertRuleOrigins.Config, now);
            await using var insert = new NpgsqlCommand("""
                INSERT INTO alert_rules (kind, asset_id, source, threshold_pct, "window", stale_after, cooldown, origin, created_at)
                VALUES (@kind, @asset, @source, @threshold, @window, @stale_after, @cooldown, 'config', @now)
                """, connection, transaction);
            insert.Parameters.AddWithValue("kind", rule.Kind);
            insert.Parameters.Add(new NpgsqlParameter<string?>("asset", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = rule.AssetId });
            insert.Parameters.Add(new NpgsqlParameter<string?>("source", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = rule.Source });
            insert.Parameters.Add(new NpgsqlParameter<decimal?>("threshold", NpgsqlTypes.NpgsqlDbType.Numeric) { TypedValue = rule.ThresholdPct });
            insert.Parameters.Add(new NpgsqlParameter<TimeSpan?>("window", NpgsqlTypes.NpgsqlDbType.Interval) { TypedValue = rule.Window });
            insert.Parameters.Add(new NpgsqlParameter<TimeSpan?>("stale_after", NpgsqlTypes.NpgsqlDbType.Interval) { TypedValue = rule.StaleAfter });
            insert.Parameters.AddWithValue("cooldown", rule.Cooldown);
            insert.Parameters.AddWithValue("now", now);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (stored.Count > 0)
        {
            await using var delete = new NpgsqlCommand("DELETE FROM alert_rules WHERE id = ANY(@ids)", connection, transaction);
            delete.Parameters.AddWithValue("ids", stored.Select(r => r.Id).ToArray());
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
