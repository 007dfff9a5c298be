using Kasparro.Testing;
using Npgsql;

namespace Kasparro.Bench;

/// <summary>
/// The scale benchmark's rollup hooks, for the hourly and daily rollup tables (<c>price_rollups_1h</c>,
/// <c>price_rollups_1d</c>) when the schema has them: their columns are read from the catalogue and matched by name
/// to the aggregation of price_points per series and UTC bucket (open = first price, high, low, close = last price,
/// the last point's market cap and volume, the count of points, first and last times), which fills them after the
/// seed (it bypasses the writers) and is the recomputation the stored rollups are compared with.
/// </summary>
public static class RollupCheck
{
    /// <summary>The rollup tables and their bucket widths (in hours: a day is 24 UTC hours, as <c>date_bin</c> counts).</summary>
    public static readonly (string Table, int Hours)[] Tables = [("price_rollups_1h", 1), ("price_rollups_1d", 24)];

    private static readonly string[] BucketNames = ["bucket_start", "bucket", "bucket_at", "t", "starts_at", "hour", "day"];

    /// <summary>Column name to the aggregate over a bucket's points that it must equal.</summary>
    private static readonly Dictionary<string, string> Aggregates = new(StringComparer.Ordinal)
    {
        ["series_id"] = "series_id",
        ["open"] = "(array_agg(price_usd ORDER BY observed_at))[1]",
        ["high"] = "max(price_usd)",
        ["low"] = "min(price_usd)",
        ["close"] = "(array_agg(price_usd ORDER BY observed_at DESC))[1]",
        ["market_cap_usd"] = "(array_agg(market_cap_usd ORDER BY observed_at DESC))[1]",
        ["volume_24h_usd"] = "(array_agg(volume_24h_usd ORDER BY observed_at DESC))[1]",
        ["points"] = "count(*)::int",
        ["count"] = "count(*)::int",
        ["point_count"] = "count(*)::int",
        ["first_at"] = "min(observed_at)",
        ["last_at"] = "max(observed_at)",
    };

    /// <summary>The rollup tables this database has.</summary>
    public static async Task<List<(string Table, int Hours)>> PresentAsync(PostgresServer server, string database)
    {
        var present = new List<(string, int)>();
        foreach (var (table, hours) in Tables)
        {
            if (await server.ScalarAsync<bool>(database, $"SELECT to_regclass('{table}') IS NOT NULL"))
            {
                present.Add((table, hours));
            }
        }

        return present;
    }

    /// <summary>Fills an empty rollup table from price_points (the seed bypasses the writers that keep it).</summary>
    public static async Task FillIfEmptyAsync(PostgresServer server, string database, string table, int hours)
    {
        if (await server.ScalarAsync<bool>(database, $"SELECT EXISTS (SELECT 1 FROM {table})"))
        {
            Console.WriteLine($"  {table}: already filled by the write path");
            return;
        }

        var (bucket, columns, unknown) = await ColumnsAsync(server.ConnectionString(database), table);
        if (unknown.Count > 0)
        {
            Console.WriteLine($"  {table}: cannot fill it (required columns {string.Join(", ", unknown)} unknown to the bench); its size is that of an empty table");
            return;
        }

        var names = string.Join(", ", columns);
        var values = string.Join(", ", columns.Select(c => c == bucket ? BucketOf(hours) : Aggregates[c]));
        var filled = await server.ScalarAsync<long>(database,
            $"WITH filled AS (INSERT INTO {table} ({names}) SELECT {values} FROM price_points GROUP BY series_id, {BucketOf(hours)} RETURNING 1) SELECT count(*) FROM filled");
        Console.WriteLine($"  {table}: filled with {filled:N0} buckets from price_points (as the writers would have)");
    }

    /// <summary>Compares the stored rollups of up to <paramref name="sample"/> series with a recomputation; returns the buckets that differ.</summary>
    public static async Task<long> CompareAsync(string connectionString, string table, int hours, int sample)
    {
        var (bucket, columns, _) = await ColumnsAsync(connectionString, table);
        if (bucket is null)
        {
            Console.WriteLine($"  {table}: no bucket column among {string.Join(", ", BucketNames)}; not compared");
            return 0;
        }

        var compared = columns.Where(c => c != bucket && c != "series_id").ToList();
        var sql = $"""
            WITH sampled AS (SELECT id FROM price_series ORDER BY random() LIMIT {sample}),
            stored AS (SELECT r.* FROM {table} r WHERE r.series_id IN (SELECT id FROM sampled)),
            recomputed AS (
                SELECT series_id, {BucketOf(hours)} AS {bucket}, {string.Join(", ", compared.Select(c => $"{Aggregates[c]} AS {c}"))}
                  FROM price_points WHERE series_id IN (SELECT id FROM sampled)
                 GROUP BY series_id, {BucketOf(hours)})
            SELECT (SELECT count(*) FROM sampled), count(*) FILTER (WHERE s.series_id IS NULL OR c.series_id IS NULL
                                       {string.Concat(compared.Select(col => $" OR s.{col} IS DISTINCT FROM c.{col}"))}),
                   count(*)
              FROM stored s FULL JOIN recomputed c ON c.series_id = s.series_id AND c.{bucket} = s.{bucket}
            """;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (series, mismatches, buckets) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        Console.WriteLine($"  {table}: {buckets:N0} buckets of {series:N0} random series compared on {string.Join(", ", compared)}: " +
            $"{mismatches:N0} mismatches (target 0)");
        return mismatches;
    }

    private static string BucketOf(int hours) => $"date_bin(interval '{hours} hours', observed_at, TIMESTAMPTZ '2000-01-01 00:00:00+00')";

    /// <summary>The bucket column, the columns the bench can compute, and required columns it cannot.</summary>
    private static async Task<(string? Bucket, List<string> Columns, List<string> Unknown)> ColumnsAsync(string connectionString, string table)
    {
        var columns = new List<string>();
        var unknown = new List<string>();
        string? bucket = null;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT column_name, is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO' AND is_generated = 'NEVER', data_type
              FROM information_schema.columns WHERE table_name = @table ORDER BY ordinal_position
            """, connection);
        command.Parameters.AddWithValue("table", table);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (name, required, type) = (reader.GetString(0), reader.GetBoolean(1), reader.GetString(2));
            if (bucket is null && type.StartsWith("timestamp", StringComparison.Ordinal) && BucketNames.Contains(name))
            {
                bucket = name;
                columns.Add(name);
            }
            else if (Aggregates.ContainsKey(name))
            {
                columns.Add(name);
            }
            else if (required)
            {
                unknown.Add(name);
            }
        }

        if (bucket is null)
        {
            unknown.Add("(bucket time)");
        }

        return (bucket, columns, unknown);
    }
}
