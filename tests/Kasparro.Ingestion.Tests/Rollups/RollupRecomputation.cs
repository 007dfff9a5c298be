using Kasparro.Data;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Rollups;

/// <summary>
/// The stored rollups (as readers get them, <see cref="HistoryRollups.RowsFunction"/>) against a full recomputation from
/// the raw points with <see cref="HistoryRollups.BucketsFunction"/>, row for row, with every numeric compared as its text
/// (so 1.0 and 1.00 differ, as they would to a client); and that function against ordered aggregates written here.
/// </summary>
public static class RollupRecomputation
{
    private const string AllSeries = "(SELECT coalesce(array_agg(id), '{}') FROM price_series)";

    private const string Columns = "series_id, bucket, points, first_at, last_at, open::text, high::text, low::text, close::text, market_cap_usd::text, volume_24h_usd::text";

    /// <summary>
    /// Asserts both widths' rollups equal the recomputation, each day row of the hourly table (and each encoded month) holds
    /// its hours once and in time order, no day is in both hourly tables, the queue is empty, and returns the number of
    /// hourly buckets.
    /// </summary>
    public static async Task<long> AssertExactAsync(string connectionString, string context)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        Assert.Equal(0L, await ScalarAsync(connection, $"SELECT count(*) FROM {HistoryRollups.QueueTable}"));
        foreach (var width in new[] { "1 hour", "1 day" })
        {
            var recomputed = $"{HistoryRollups.BucketsFunction}(interval '{width}', {AllSeries}, '-infinity', 'infinity')";
            var differences = await DifferencesAsync(connection, $"{HistoryRollups.RowsFunction}(interval '{width}', {AllSeries}, '-infinity', 'infinity')", recomputed);
            Assert.True(differences.Count == 0, $"the {width} rollups differ from the recomputation ({context}):\n{string.Join('\n', differences)}");
            differences = await DifferencesAsync(connection, recomputed, Reference(width));
            Assert.True(differences.Count == 0, $"{HistoryRollups.BucketsFunction} ({width}) differs from ordered aggregates over the points ({context}):\n{string.Join('\n', differences)}");
        }

        Assert.Equal(0L, await ScalarAsync(connection, $"""
            SELECT count(*) FROM {HistoryRollups.Hourly} r
             WHERE r.first_at <> array(SELECT t FROM unnest(r.first_at) AS t ORDER BY t)
                OR cardinality(r.first_at) <> (SELECT count(DISTINCT date_bin('1 hour', t, '1970-01-01Z')) FROM unnest(r.first_at) AS t)
                OR EXISTS (SELECT 1 FROM unnest(r.first_at) AS t WHERE (t AT TIME ZONE 'UTC')::date <> r.day)
            """));
        // The encoded months likewise: their hours in time order, once each, inside the month, and no day also a day row.
        Assert.Equal(0L, await ScalarAsync(connection, $"""
            SELECT count(*) FROM {HistoryRollups.HourlyEncoded} e
             WHERE EXISTS (SELECT 1 FROM (SELECT h.first_at, lag(h.first_at) OVER () AS previous FROM {HistoryRollups.HoursOf("e")} h) AS t
                            WHERE date_bin('1 hour', t.first_at, '1970-01-01Z') <= date_bin('1 hour', t.previous, '1970-01-01Z')
                               OR date_trunc('month', t.first_at AT TIME ZONE 'UTC')::date <> e.month
                               OR EXISTS (SELECT 1 FROM {HistoryRollups.Hourly} r WHERE r.series_id = e.series_id AND r.day = (t.first_at AT TIME ZONE 'UTC')::date))
            """));
        return await ScalarAsync(connection, $"SELECT count(*) FROM {HistoryRollups.RowsFunction}(interval '1 hour', {AllSeries}, '-infinity', 'infinity')");
    }

    /// <summary>
    /// The buckets written here apart from <see cref="HistoryRollups.BucketsFunction"/>, with ordered aggregates (first
    /// and last by time), so the function's own way of finding a bucket's first and last point is checked too. Of equal
    /// highs or lows (6 and 6.0) the latest, as max and min take them from time-ordered rows: an unordered max took them
    /// in whatever order the plan's sort left them.
    /// </summary>
    private static string Reference(string width) => $"""
        (SELECT p.series_id, date_bin(interval '{width}', p.observed_at, timestamptz '1970-01-01Z') AS bucket, count(*)::integer AS points,
                min(p.observed_at) AS first_at, max(p.observed_at) AS last_at,
                (array_agg(p.price_usd ORDER BY p.observed_at))[1] AS open,
                (array_agg(p.price_usd ORDER BY p.price_usd DESC NULLS LAST, p.observed_at DESC))[1] AS high,
                (array_agg(p.price_usd ORDER BY p.price_usd, p.observed_at DESC))[1] AS low,
                (array_agg(p.price_usd ORDER BY p.observed_at DESC))[1] AS close,
                (array_agg(p.market_cap_usd ORDER BY p.observed_at DESC))[1] AS market_cap_usd,
                (array_agg(p.volume_24h_usd ORDER BY p.observed_at DESC))[1] AS volume_24h_usd
           FROM {HistoryCompaction.ObservationsFunction}({AllSeries}, '-infinity', 'infinity') p
          GROUP BY 1, 2) AS reference
        """;

    /// <summary>Up to ten rows that are in the stored rows but not in the recomputed ones, or the other way round.</summary>
    private static async Task<List<string>> DifferencesAsync(NpgsqlConnection connection, string storedRows, string recomputedRows)
    {
        await using var command = new NpgsqlCommand($$"""
            WITH stored AS (SELECT {{Columns}} FROM {{storedRows}}),
                 recomputed AS (SELECT {{Columns}} FROM {{recomputedRows}})
            SELECT 'stored only', d.* FROM (TABLE stored EXCEPT ALL TABLE recomputed) d
            UNION ALL
            SELECT 'recomputed only', d.* FROM (TABLE recomputed EXCEPT ALL TABLE stored) d
            ORDER BY 2, 3
            LIMIT 10
            """, connection);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        }

        return rows;
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
