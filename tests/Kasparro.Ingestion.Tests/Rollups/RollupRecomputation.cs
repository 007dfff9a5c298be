using Kasparro.Data;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Rollups;

/// <summary>
/// The stored rollups (as readers get them, <see cref="HistoryRollups.RowsFunction"/>) against a full recomputation from
/// the raw points with <see cref="HistoryRollups.BucketsFunction"/>, row for row, with every numeric compared as its text
/// (so 1.0 and 1.00 differ, as they would to a client).
/// </summary>
public static class RollupRecomputation
{
    private const string AllSeries = "(SELECT coalesce(array_agg(id), '{}') FROM price_series)";

    private const string Columns = "series_id, bucket, points, first_at, last_at, open::text, high::text, low::text, close::text, market_cap_usd::text, volume_24h_usd::text";

    /// <summary>
    /// Asserts both widths' rollups equal the recomputation, each day row of the hourly table holds its hours once and in
    /// time order, the queue is empty, and returns the number of hourly buckets.
    /// </summary>
    public static async Task<long> AssertExactAsync(string connectionString, string context)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        Assert.Equal(0L, await ScalarAsync(connection, $"SELECT count(*) FROM {HistoryRollups.QueueTable}"));
        foreach (var width in new[] { "1 hour", "1 day" })
        {
            var differences = await DifferencesAsync(connection, width);
            Assert.True(differences.Count == 0, $"the {width} rollups differ from the recomputation ({context}):\n{string.Join('\n', differences)}");
        }

        Assert.Equal(0L, await ScalarAsync(connection, $"""
            SELECT count(*) FROM {HistoryRollups.Hourly} r
             WHERE r.first_at <> array(SELECT t FROM unnest(r.first_at) AS t ORDER BY t)
                OR cardinality(r.first_at) <> (SELECT count(DISTINCT date_bin('1 hour', t, '1970-01-01Z')) FROM unnest(r.first_at) AS t)
                OR EXISTS (SELECT 1 FROM unnest(r.first_at) AS t WHERE (t AT TIME ZONE 'UTC')::date <> r.day)
            """));
        return await ScalarAsync(connection, $"SELECT count(*) FROM {HistoryRollups.RowsFunction}(interval '1 hour', {AllSeries}, '-infinity', 'infinity')");
    }

    /// <summary>Up to ten rows that are in the table but not in the recomputation, or the other way round.</summary>
    private static async Task<List<string>> DifferencesAsync(NpgsqlConnection connection, string width)
    {
        await using var command = new NpgsqlCommand($$"""
            WITH stored AS (SELECT {{Columns}} FROM {{HistoryRollups.RowsFunction}}(interval '{{width}}', {{AllSeries}}, '-infinity', 'infinity')),
                 recomputed AS (SELECT {{Columns}} FROM {{HistoryRollups.BucketsFunction}}(interval '{{width}}', {{AllSeries}}, '-infinity', 'infinity'))
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
