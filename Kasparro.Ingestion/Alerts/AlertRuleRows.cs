using Kasparro.Data.Entities;
using Npgsql;
using NpgsqlTypes;

namespace Kasparro.Ingestion.Alerts;

/// <summary>Reads <c>alert_rules</c> rows as <see cref="AlertRule"/>s: the evaluator's rules and the configured ones it keeps in sync.</summary>
public static class AlertRuleRows
{
    /// <summary>The rules in id order: every rule, or only those of <paramref name="origin"/> (<see cref="AlertRuleOrigins"/>).</summary>
    public static async Task<List<AlertRule>> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? origin, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT id, kind, asset_id, source, threshold_pct, "window", stale_after, cooldown, origin, created_at
              FROM alert_rules
             WHERE @origin::text IS NULL OR origin = @origin
             ORDER BY id
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string?>("origin", NpgsqlDbType.Text) { TypedValue = origin });
        var rules = new List<AlertRule>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rules.Add(new AlertRule
            {
                Id = reader.GetInt64(0), Kind = reader.GetString(1),
                AssetId = reader.IsDBNull(2) ? null : reader.GetString(2),
                Source = reader.IsDBNull(3) ? null : reader.GetString(3),
                ThresholdPct = reader.IsDBNull(4) ? null : reader.GetDecimal(4),
                Window = reader.IsDBNull(5) ? null : reader.GetFieldValue<TimeSpan>(5),
                StaleAfter = reader.IsDBNull(6) ? null : reader.GetFieldValue<TimeSpan>(6),
                Cooldown = reader.GetFieldValue<TimeSpan>(7),
                Origin = reader.GetString(8),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(9),
            });
        }

        return rules;
    }
}
