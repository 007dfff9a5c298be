using Kasparro.Data;
using Kasparro.Ingestion.Rollups;
using Kasparro.Ingestion.Tests.Rollups;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Schema;

/// <summary>
/// Migration HourlyRollupsByDay packs a filled hourly rollup table (a row per hour) into a row per series and UTC day
/// without losing or doubling a bucket, every value digit for digit; days still queued stay queued and the rollup step
/// finishes them exactly; its Down unpacks the same rows again.
/// </summary>
public sealed class HourlyRollupsMigrationTests
{
    private const string RowsPerHourMigration = "20261205224800_ColdCompaction";
    private const string ByDayMigration = "20261206015241_HourlyRollupsByDay";

    // Points every 10 minutes over a UTC midnight and a month end (two series, one with gaps of whole hours), values with
    // trailing zeros and nulls, and a point at decimal's limit; written through the view as the writers of that schema did.
    private const string FillHistory = """
        INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
        SELECT src, id, timestamptz '2025-12-31T21:00:00Z' + m * interval '10 minutes', id,
               (1000 + m)::numeric / 7, CASE WHEN m % 5 = 0 THEN NULL ELSE 1e12 + m END, round(m * 1000.5, 2), false
          FROM (VALUES ('coingecko', 'bitcoin'), ('csv', 'BTC')) s(src, id)
         CROSS JOIN generate_series(0, 60) m
         WHERE id = 'bitcoin' OR (m / 6) % 2 = 0;
        INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
        VALUES ('csv', 'DUST', '2017-02-28T23:59:59.999999Z', 'dust', 1234567890123456789012345678, 7.9228162514264337593543950335, 0.10, true);
        """;

    // What the rollup step of that schema did for the days before 2026: their hourly and daily rows, entries removed.
    private const string RollUpDaysBefore2026 = """
        BEGIN;
        CREATE TEMP TABLE taken ON COMMIT DROP AS SELECT id, series_id, day FROM price_rollup_queue WHERE day < '2026-01-01Z';
        CREATE TEMP TABLE picked ON COMMIT DROP AS SELECT DISTINCT series_id, day FROM taken;
        INSERT INTO price_rollups_1h SELECT b.* FROM picked q CROSS JOIN LATERAL price_rollup_buckets('1 hour', ARRAY[q.series_id], q.day, q.day + interval '1 day') b;
        INSERT INTO price_rollups_1d SELECT b.* FROM picked q CROSS JOIN LATERAL price_rollup_buckets('1 day', ARRAY[q.series_id], q.day, q.day + interval '1 day') b;
        DELETE FROM price_rollup_queue WHERE id IN (SELECT id FROM taken);
        COMMIT;
        """;

    private const string HourlyColumns = "series_id, bucket, points, first_at, last_at, open, high, low, close, market_cap_usd, volume_24h_usd";

    private const string HourlyRowsPerHour = $"""
        SELECT string_agg(concat_ws('|', {HourlyColumns}), E'\n' ORDER BY series_id, bucket) FROM price_rollups_1h
        """;

    private const string HourlyRowsByDay = $"""
        SELECT string_agg(concat_ws('|', {HourlyColumns}), E'\n' ORDER BY series_id, bucket)
          FROM price_rollups(interval '1 hour', array(SELECT id FROM price_series), '-infinity', 'infinity')
        """;

    private const string Queue = "SELECT string_agg(concat_ws('|', id, series_id, day), ',' ORDER BY id) FROM price_rollup_queue";

    [Fact]
    public async Task Filled_hourly_rollups_pack_into_day_rows_with_every_bucket_once_and_unpack_again()
    {
        var server = await PostgresServer.Shared;
        var name = $"rollup_migration_{Guid.NewGuid():N}";
        await server.ExecuteAsync("postgres", $"CREATE DATABASE {name}");
        var connectionString = server.ConnectionString(name);
        await using var db = new KasparroDb((DbContextOptions<KasparroDb>)KasparroDbOptions.Configure(new DbContextOptionsBuilder<KasparroDb>(), connectionString).Options);
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync(RowsPerHourMigration);
        await server.ExecuteAsync(name, FillHistory);
        await server.ExecuteAsync(name, RollUpDaysBefore2026);
        var hourly = await server.ScalarAsync<string>(name, HourlyRowsPerHour);
        var hours = await server.ScalarAsync<long>(name, "SELECT count(*) FROM price_rollups_1h");
        var days = await server.ScalarAsync<long>(name, "SELECT count(DISTINCT (series_id, date_trunc('day', bucket, 'UTC'))) FROM price_rollups_1h");
        var queue = await server.ScalarAsync<string>(name, Queue);

        await migrator.MigrateAsync(ByDayMigration);

        Assert.Equal(3 + 2 + 1, hours); // 21:00-23:59 of Dec 31: bitcoin 3 hours, BTC 2 (its 22:00 hour is a gap), the 2017 point
        Assert.Equal(hourly, await server.ScalarAsync<string>(name, HourlyRowsByDay));
        Assert.Equal(days, await server.ScalarAsync<long>(name, "SELECT count(*) FROM price_rollups_1h"));
        Assert.Equal(queue, await server.ScalarAsync<string>(name, Queue));

        await migrator.MigrateAsync(RowsPerHourMigration);
        Assert.Equal(hourly, await server.ScalarAsync<string>(name, HourlyRowsPerHour));
        Assert.Equal(queue, await server.ScalarAsync<string>(name, Queue));

        // Up again to the newest schema, and the rollup step finishes the queued days of 2026 exactly.
        await migrator.MigrateAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var refresher = new RollupRefresher(dataSource, Microsoft.Extensions.Options.Options.Create(new RollupOptions()), NullLogger<RollupRefresher>.Instance);
        Assert.True(await refresher.RefreshQueuedAsync(CancellationToken.None) > 0);
        // bitcoin 21:00 to 07:00 (11 hours), BTC every other hour of them (6), the 2017 point.
        Assert.Equal(11 + 6 + 1, await RollupRecomputation.AssertExactAsync(connectionString, "after the migration and the rollup step"));
    }
}
