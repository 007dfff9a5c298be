using Npgsql;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>
/// A year of hourly prices (8,760 points) per source of one asset, written straight into the history's storage (<c>price_points</c>) under
/// the source ids the asset is mapped from: the volume a year of hourly backfill leaves, without a year of waiting.
/// </summary>
public static class YearOfHourlyHistory
{
    public const int HoursPerYear = 8_760;

    /// <summary>
    /// Seeds every mapping of the asset (observations already there, e.g. the CSV's last day, are left alone) and
    /// returns how many distinct hours each source now has over the year.
    /// </summary>
    public static async Task<Dictionary<string, long>> SeedAsync(string connectionString, string assetId, IReadOnlyList<AssetMappingRow> mappings,
        decimal endPriceUsd, DateTimeOffset now)
    {
        var lastHour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-1);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        for (var i = 0; i < mappings.Count; i++)
        {
            // A slow yearly swing and a daily ripple ending at today's price (phase 0 at the last hour), each source a
            // touch apart, so the lines are distinguishable and meet the live points.
            await using var insert = new NpgsqlCommand(
                """
                -- Straight into the storage (the price_history view's triggers write a row at a time and know no
                -- ON CONFLICT): the series, the year's monthly partitions, then the points.
                INSERT INTO price_series (source, source_id, asset_id) VALUES (@source, @source_id, @asset_id)
                ON CONFLICT (source, source_id) DO NOTHING;
                SELECT ensure_price_points_partitions(array(
                    SELECT @last_hour - make_interval(days => d) FROM generate_series(0, @hours / 24 + 1) AS d));
                INSERT INTO price_points (observed_at, series_id, is_backfill, price_usd, market_cap_usd, volume_24h_usd)
                SELECT t, s.id, true,
                       round((@end_price * (1 + 0.25 * sin((n - @hours + 1) / 1400.0) + 0.01 * sin((n - @hours + 1) / 3.8)) * (1 + @skew))::numeric, 2),
                       NULL, NULL
                  FROM price_series AS s,
                       generate_series(0, @hours - 1) AS n,
                       LATERAL (SELECT @last_hour - make_interval(hours => @hours - 1 - n)) AS at(t)
                 WHERE s.source = @source AND s.source_id = @source_id
                ON CONFLICT DO NOTHING
                """, connection);
            insert.Parameters.AddWithValue("source", mappings[i].Source);
            insert.Parameters.AddWithValue("source_id", mappings[i].SourceId);
            insert.Parameters.AddWithValue("asset_id", assetId);
            insert.Parameters.AddWithValue("skew", 0.002 * i);
            insert.Parameters.AddWithValue("end_price", (double)endPriceUsd);
            insert.Parameters.AddWithValue("hours", HoursPerYear);
            insert.Parameters.AddWithValue("last_hour", lastHour);
            await insert.ExecuteNonQueryAsync();
        }

        await using var count = new NpgsqlCommand(
            """
            SELECT source, count(DISTINCT date_trunc('hour', observed_at))
              FROM price_history
             WHERE asset_id = @asset_id AND observed_at > @last_hour - make_interval(hours => @hours)
             GROUP BY source
            """, connection);
        count.Parameters.AddWithValue("asset_id", assetId);
        count.Parameters.AddWithValue("hours", HoursPerYear);
        count.Parameters.AddWithValue("last_hour", lastHour);
        var hoursPerSource = new Dictionary<string, long>();
        await using var reader = await count.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            hoursPerSource[reader.GetString(0)] = reader.GetInt64(1);
        }

        return hoursPerSource;
    }
}
