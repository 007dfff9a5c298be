using System.Diagnostics;
using Kasparro.Data;
using Npgsql;

namespace Kasparro.Bench;

/// <summary>
/// The scale benchmark's data, written straight into the history tables (the "equivalent COPY" of issue 16; generate_series
/// is the fastest way in): <see cref="Series"/> series with a point every 10 minutes up to <see cref="End"/>, plus
/// <see cref="BackfillSeries"/> of them with two years of daily backfill from a second source, and the assets,
/// mappings and latest records the API needs to serve them. The 10-minute series are the CSV source's (source ids
/// <c>C00000</c>... as <see cref="MarketCsv"/> names its symbols), so a CSV loaded afterwards appends to them.
/// Points go in time-major order, a day of every series per statement, as the 10-minute ETL runs would write them:
/// a series' points end up spread over the heap as in production, not packed together.
/// </summary>
public sealed record ScaleSeed(int Series, int PointsPerSeries, int BackfillSeries, DateTimeOffset End)
{
    /// <summary>The spacing of the main series' points.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromMinutes(10);

    /// <summary>Daily backfill points per backfilled series (two years).</summary>
    public const int BackfillDays = 730;

    /// <summary>The shape (3,500 series x ~200 days of 10-minute points + 500 x 2 years daily at 100M), scaled to <paramref name="rows"/>.</summary>
    public static ScaleSeed For(long rows, int? series, DateTimeOffset end)
    {
        var scale = rows / 100_000_000.0;
        var mainSeries = series ?? Math.Max(10, (int)Math.Round(3_500 * scale));
        var backfillSeries = Math.Min(mainSeries, Math.Max(1, (int)Math.Round(500 * scale)));
        var points = (int)((rows - (long)backfillSeries * BackfillDays) / mainSeries);
        if (points < 1_008)
        {
            throw new ArgumentException($"{rows:N0} rows over {mainSeries:N0} series is less than 7 days a series; pass fewer --series");
        }

        return new ScaleSeed(mainSeries, points, backfillSeries, end);
    }

    /// <summary>Rows the seed writes.</summary>
    public long Rows => (long)Series * PointsPerSeries + (long)BackfillSeries * BackfillDays;

    /// <summary>The first 10-minute point.</summary>
    public DateTimeOffset Start => End - Step * (PointsPerSeries - 1);

    /// <summary>The seeded asset ids are this and the series' number from 1 (<c>coin-1</c>...).</summary>
    public const string AssetIdPrefix = "coin-";

    public override string ToString() =>
        $"{Rows:N0} observations: {Series:N0} series x {PointsPerSeries:N0} 10-minute points ({(End - Start).TotalDays:F0} days, to {End:yyyy-MM-dd HH:mm}Z) " +
        $"+ {BackfillSeries:N0} series x {BackfillDays} daily backfill points";

    /// <summary>Writes everything, printing progress and the rate; returns the seconds the points took.</summary>
    public async Task<double> WriteAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, Catalogue, ("series", Series), ("backfill", BackfillSeries), ("end", End));
        var months = new List<DateTimeOffset>();
        for (var month = HistoryStorage.MonthOf(End.AddDays(-BackfillDays - 1)); month <= End; month = month.AddMonths(1))
        {
            months.Add(new DateTimeOffset(month));
        }

        await ExecuteAsync(connection, $"SELECT {HistoryStorage.EnsurePartitionsFunction}(@months)", ("months", months.ToArray()));

        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        var written = 0L;
        const int stepsPerStatement = 144; // a day
        for (var first = 0; first < PointsPerSeries; first += stepsPerStatement)
        {
            var last = Math.Min(PointsPerSeries, first + stepsPerStatement) - 1;
            written += await ExecuteAsync(connection, TenMinutePoints, ("start", Start), ("first", first), ("last", last));
            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(15))
            {
                lastReport = clock.Elapsed;
                Console.WriteLine($"  seeded {written:N0} of {Rows:N0} ({100.0 * written / Rows:F0}%), {written / clock.Elapsed.TotalSeconds:N0} rows/s");
            }
        }

        written += await ExecuteAsync(connection, BackfillPoints, ("days", BackfillDays), ("end", new DateTimeOffset(End.UtcDateTime.Date, TimeSpan.Zero)));
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"seeded {written:N0} points in {seconds:F0} s: {written / seconds:N0} rows/s (INSERT .. SELECT generate_series, a day of every series per statement)");
        return seconds;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Assets, their mappings, series and latest records (one per series).</summary>
    private const string Catalogue = """
        INSERT INTO assets (id, symbol, name, market_cap_usd, created_at, updated_at)
        SELECT format('coin-%s', n), format('C%s', lpad((n - 1)::text, 5, '0')), format('Coin %s', n - 1), 1e12 / n, now(), now()
          FROM generate_series(1, @series) n;

        INSERT INTO price_series (source, source_id, asset_id)
        SELECT 'csv', format('C%s', lpad((n - 1)::text, 5, '0')), format('coin-%s', n) FROM generate_series(1, @series) n
        UNION ALL
        SELECT 'coingecko', format('coingecko-%s', n), format('coin-%s', n) FROM generate_series(1, @backfill) n;

        INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, linked_at)
        SELECT source, source_id, asset_id, 'symbol_name', 1, false, now() FROM price_series;

        INSERT INTO normalized_records (id, source, source_id, asset_id, ticker, name, price_usd, market_cap_usd, volume_24h_usd,
                                        percent_change_24h, created_at, ingested_at)
        SELECT format('%s_%s', s.source, s.source_id), s.source, s.source_id, s.asset_id, a.symbol, a.name,
               1000.0 / n, 1e12 / n, 1e9 / n, (n % 20) - 10, @end, @end
          FROM price_series s JOIN assets a ON a.id = s.asset_id
         CROSS JOIN LATERAL (SELECT split_part(s.asset_id, '-', 2)::int AS n) k;
        """;

    /// <summary>
    /// Steps @first..@last of every 10-minute series, time-major. Values move as ReadSeed's do (prices to 8 decimals,
    /// caps and volumes to cents), so they take the bytes real ones take.
    /// </summary>
    private const string TenMinutePoints = """
        INSERT INTO price_points (observed_at, series_id, is_backfill, price_usd, market_cap_usd, volume_24h_usd)
        SELECT @start + make_interval(mins => 10 * k), s.id, false,
               round((1000.0 / s.n * (1 + 0.05 * sin((k + s.n) / 144.0)))::numeric, 8),
               round((1e12 / s.n * (1 + 0.05 * sin((k + s.n) / 144.0)))::numeric, 2),
               round((1e9 / s.n * (1 + 0.5 * sin((k * 7 + s.n) / 30.0)))::numeric, 2)
          FROM generate_series(@first, @last) k
         CROSS JOIN (SELECT id, split_part(asset_id, '-', 2)::int AS n FROM price_series WHERE source = 'csv') s
         ORDER BY k, s.id
        """;

    /// <summary>Two years of daily points for each backfilled series, a series at a time as a backfill writes them.</summary>
    private const string BackfillPoints = """
        INSERT INTO price_points (observed_at, series_id, is_backfill, price_usd, market_cap_usd, volume_24h_usd)
        SELECT @end - make_interval(days => d), s.id, true,
               round((1000.0 / s.n * (1 + 0.05 * sin((d + s.n) / 30.0)))::numeric, 8),
               round((1e12 / s.n * (1 + 0.05 * sin((d + s.n) / 30.0)))::numeric, 2),
               round((1e9 / s.n * (1 + 0.5 * sin((d * 7 + s.n) / 5.0)))::numeric, 2)
          FROM (SELECT id, split_part(asset_id, '-', 2)::int AS n FROM price_series WHERE source = 'coingecko') s
         CROSS JOIN generate_series(1, @days) d
         ORDER BY s.id, d DESC
        """;
}
