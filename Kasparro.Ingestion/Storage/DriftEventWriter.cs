using Kasparro.Ingestion.Quality;
using Npgsql;

namespace Kasparro.Ingestion.Storage;

/// <summary>Writes a batch's schema drift into <c>schema_drift_events</c>, in the batch's transaction.</summary>
public static class DriftEventWriter
{
    /// <summary>
    /// Upserts the run's drift into <c>schema_drift_events</c> in one statement: a (source, field, kind) seen before keeps its
    /// first_seen and first run, and gets last_seen, last run and count + n. Returns each event with IsNew/IsChanged for logging.
    /// </summary>
    public static async Task<IReadOnlyList<StoredDriftEvent>> WriteAsync(
        NpgsqlConnection c, NpgsqlTransaction t, string source, long runId,
        IEnumerable<(DriftObservation, long)> items, DateTimeOffset now, CancellationToken ct)
    {
        // One row per (field, kind): ON CONFLICT cannot touch the same row twice in one statement.
        var rows = items
            .GroupBy(i => (i.Item1.Field, i.Item1.Kind))
            .Select(g => (Observation: g.First().Item1, Count: g.Sum(i => i.Item2)))
            .OrderBy(r => r.Observation.Kind, StringComparer.Ordinal)
            .ThenBy(r => r.Observation.Field, StringComparer.Ordinal)
            .ToList();
        if (rows.Count == 0)
        {
            return [];
        }

        // The "previous" CTE reads the table as it was before this statement, so a changed suggestion can be told apart.
        await using var command = new NpgsqlCommand("""
            WITH input AS (
                SELECT * FROM unnest(@fields, @kinds, @severities, @suggestions, @confidences, @counts)
                    AS i(field, kind, severity, suggestion, confidence, n)
            ),
            previous AS (
                SELECT d.field, d.kind, d.severity, d.suggestion
                FROM schema_drift_events d JOIN input i ON d.source = @source AND d.field = i.field AND d.kind = i.kind
            ),
            written AS (
                INSERT INTO schema_drift_events AS d
                    (source, field, kind, severity, suggestion, confidence, first_seen, last_seen, count, first_run_id, last_run_id)
                SELECT @source, field, kind, severity, suggestion, confidence, @now, @now, n, @run, @run FROM input
                ON CONFLICT (source, field, kind) DO UPDATE
                SET severity = excluded.severity,
                    suggestion = excluded.suggestion,
                    confidence = excluded.confidence,
                    last_seen = excluded.last_seen,
                    count = d.count + excluded.count,
                    last_run_id = excluded.last_run_id
                RETURNING d.field, d.kind, d.severity, d.suggestion, d.confidence, d.count, d.first_seen, d.last_seen
            )
            SELECT w.field, w.kind, w.severity, w.suggestion, w.confidence, w.count, i.n, w.first_seen, w.last_seen,
                   p.field IS NULL AS is_new,
                   p.field IS NOT NULL AND (p.severity IS DISTINCT FROM w.severity OR p.suggestion IS DISTINCT FROM w.suggestion) AS is_changed
            FROM written w
            JOIN input i ON i.field = w.field AND i.kind = w.kind
            LEFT JOIN previous p ON p.field = w.field AND p.kind = w.kind
            ORDER BY w.kind, w.field
            """, c, t);
        command.Parameters.AddWithValue("source", source);
        command.Parameters.AddWithValue("run", runId);
        command.Parameters.AddWithValue("now", now.ToUniversalTime());
        command.Parameters.AddWithValue("fields", rows.Select(r => r.Observation.Field).ToArray());
        command.Parameters.AddWithValue("kinds", rows.Select(r => r.Observation.Kind).ToArray());
        command.Parameters.AddWithValue("severities", rows.Select(r => r.Observation.Severity).ToArray());
        command.Parameters.AddWithValue("suggestions", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text,
            rows.Select(r => r.Observation.Suggestion).ToArray());
        command.Parameters.AddWithValue("confidences", rows.Select(r => r.Observation.Confidence).ToArray());
        command.Parameters.AddWithValue("counts", rows.Select(r => r.Count).ToArray());

        var stored = new List<StoredDriftEvent>(rows.Count);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            stored.Add(new StoredDriftEvent(
                source,
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetDecimal(4),
                reader.GetInt64(5),
                reader.GetInt64(6),
                reader.GetFieldValue<DateTimeOffset>(7),
                reader.GetFieldValue<DateTimeOffset>(8),
                reader.GetBoolean(9),
                reader.GetBoolean(10)));
        }

        return stored;
    }
}
