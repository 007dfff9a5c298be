using System.Globalization;
using System.Text.Json.Nodes;
using Kasparro.Contracts;
using Kasparro.Data;
using Kasparro.Data.Alerts;
using Kasparro.Data.Entities;
using Npgsql;

namespace Kasparro.Ingestion.Alerts;

/// <summary>
/// What each rule kind sees right now: the subjects (asset ids or sources) whose condition holds, each with the
/// measurements that show it (stored as the alert's details and sent in the webhook body).
/// </summary>
public static class AlertConditions
{
    public static Task<Dictionary<string, JsonObject>> FiringAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, AlertRule rule, DateTimeOffset now, CancellationToken cancellationToken) =>
        rule.Kind switch
        {
            AlertRuleKinds.Divergence => DivergenceAsync(connection, transaction, rule, cancellationToken),
            AlertRuleKinds.PriceMove => PriceMoveAsync(connection, transaction, rule, now, cancellationToken),
            AlertRuleKinds.Stale => StaleAsync(connection, transaction, rule, now, cancellationToken),
            AlertRuleKinds.RunFailed => RunFailedAsync(connection, transaction, rule, cancellationToken),
            _ => throw new InvalidOperationException($"Unknown alert rule kind '{rule.Kind}' (rule {rule.Id})."),
        };

    private static async Task<Dictionary<string, JsonObject>> DivergenceAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, AlertRule rule, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT asset_id, sources, min_price_usd, max_price_usd, divergence_pct
            FROM ({DivergenceSql.PerAsset}) d
            WHERE divergence_pct > @threshold AND (@asset::text IS NULL OR asset_id = @asset)
            """, connection, transaction);
        command.Parameters.AddWithValue("threshold", (double)rule.ThresholdPct!.Value);
        command.Parameters.Add(new NpgsqlParameter<string?>("asset", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = rule.AssetId });
        var firing = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var pct = Math.Round(reader.GetDouble(4), 6);
            firing[reader.GetString(0)] = new JsonObject
            {
                ["summary"] = $"{reader.GetString(0)}: sources {Percent(pct)} apart (threshold {Percent(rule.ThresholdPct.Value)})",
                ["divergence_pct"] = pct,
                ["sources"] = reader.GetInt32(1),
                ["min_price_usd"] = reader.GetDecimal(2),
                ["max_price_usd"] = reader.GetDecimal(3),
            };
        }

        return firing;
    }

    /// <summary>Per source series of the asset: the first and last observation within the window; the largest move of any source counts.</summary>
    private static async Task<Dictionary<string, JsonObject>> PriceMoveAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, AlertRule rule, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT m.source, f.price_usd, f.observed_at, l.price_usd, l.observed_at
            FROM asset_mappings m
            CROSS JOIN LATERAL (
                SELECT p.price_usd, p.observed_at
                FROM price_series s CROSS JOIN LATERAL price_observations(ARRAY[s.id], @since, @now + interval '1 microsecond') p
                WHERE s.source = m.source COLLATE "C" AND s.source_id = m.source_id COLLATE "C"
                ORDER BY p.observed_at LIMIT 1) f
            CROSS JOIN LATERAL (
                SELECT p.price_usd, p.observed_at
                FROM price_series s CROSS JOIN LATERAL price_observations(ARRAY[s.id], @since, @now + interval '1 microsecond') p
                WHERE s.source = m.source COLLATE "C" AND s.source_id = m.source_id COLLATE "C"
                ORDER BY p.observed_at DESC LIMIT 1) l
            WHERE m.asset_id = @asset AND f.price_usd > 0 AND l.observed_at > f.observed_at
            """, connection, transaction);
        command.Parameters.AddWithValue("asset", rule.AssetId!);
        command.Parameters.AddWithValue("since", now - rule.Window!.Value);
        command.Parameters.AddWithValue("now", now);
        (string Source, decimal From, DateTimeOffset FromAt, decimal To, DateTimeOffset ToAt, decimal Pct)? largest = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var from = reader.GetDecimal(1);
                var to = reader.GetDecimal(3);
                var pct = (to - from) / from * 100;
                if (largest is null || Math.Abs(pct) > Math.Abs(largest.Value.Pct))
                {
                    largest = (reader.GetString(0), from, reader.GetFieldValue<DateTimeOffset>(2), to, reader.GetFieldValue<DateTimeOffset>(4), pct);
                }
            }
        }

        var firing = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        if (largest is { } move && Math.Abs(move.Pct) > rule.ThresholdPct!.Value)
        {
            var pct = Math.Round(move.Pct, 6);
            firing[rule.AssetId!] = new JsonObject
            {
                ["summary"] = $"{rule.AssetId}: moved {(pct > 0 ? "+" : "")}{Percent(pct)} within {rule.Window} on {move.Source} (threshold {Percent(rule.ThresholdPct.Value)})",
                ["move_pct"] = pct,
                ["source"] = move.Source,
                ["from_price_usd"] = move.From,
                ["from_observed_at"] = move.FromAt.UtcDateTime,
                ["to_price_usd"] = move.To,
                ["to_observed_at"] = move.ToAt.UtcDateTime,
            };
        }

        return firing;
    }

    /// <summary>A source is stale when its last successful (or partial) run finished longer ago than the rule allows; never succeeded counts from its first run.</summary>
    private static async Task<Dictionary<string, JsonObject>> StaleAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, AlertRule rule, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT source, max(finished_at) FILTER (WHERE status IN ('success', 'partial')), min(started_at)
            FROM etl_runs
            WHERE @source::text IS NULL OR source = @source
            GROUP BY source
            HAVING coalesce(max(finished_at) FILTER (WHERE status IN ('success', 'partial')), min(started_at)) < @cutoff
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string?>("source", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = rule.Source });
        command.Parameters.AddWithValue("cutoff", now - rule.StaleAfter!.Value);
        var firing = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var source = reader.GetString(0);
            DateTimeOffset? lastSuccess = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
            firing[source] = new JsonObject
            {
                ["summary"] = lastSuccess is { } at
                    ? $"{source}: no successful run since {at.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z (stale after {rule.StaleAfter})"
                    : $"{source}: no successful run yet (stale after {rule.StaleAfter})",
                ["last_success_at"] = lastSuccess?.UtcDateTime,
                ["stale_after"] = rule.StaleAfter.Value.ToString("c", CultureInfo.InvariantCulture),
            };
        }

        return firing;
    }

    private static async Task<Dictionary<string, JsonObject>> RunFailedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, AlertRule rule, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT source, id, status, error_message, finished_at FROM (
                SELECT DISTINCT ON (source) source, id, status, error_message, finished_at
                FROM etl_runs
                WHERE status <> 'running' AND (@source::text IS NULL OR source = @source)
                ORDER BY source, started_at DESC, id DESC) latest
            WHERE status IN ('failed', 'partial')
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string?>("source", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = rule.Source });
        var firing = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var source = reader.GetString(0);
            var status = reader.GetString(2);
            string? error = reader.IsDBNull(3) ? null : reader.GetString(3);
            firing[source] = new JsonObject
            {
                ["summary"] = $"{source}: run {reader.GetInt64(1)} {status}" + (error is null ? "" : $": {error}"),
                ["run_id"] = reader.GetInt64(1),
                ["status"] = status,
                ["error"] = error,
                ["finished_at"] = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4).UtcDateTime,
            };
        }

        return firing;
    }

    private static string Percent(double value) => value.ToString("0.####", CultureInfo.InvariantCulture) + "%";

    private static string Percent(decimal value) => value.ToString("0.####", CultureInfo.InvariantCulture) + "%";
}
