using Kasparro.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Schema;

/// <summary>
/// Migration NarrowPartitionedHistory moves a filled history from the wide <c>price_history</c> table into the narrow,
/// partitioned layout without losing or doubling an observation, every value digit for digit, and the services write
/// on after it; migration EncodedChunks moves compacted days of the first form to the encoded one and back, the same way.
/// </summary>
public sealed class HistoryMigrationTests
{
    private const string LastWideMigration = "20261205164222_ApiKeysAndAuditEvents";

    /// <summary>The migration whose chunks hold plain arrays (ColdCompaction); EncodedChunks follows it.</summary>
    private const string FirstChunkFormMigration = "20261205224800_ColdCompaction";

    // What the wide table held, as the writers of that schema left it: several sources and source ids per asset, live
    // and backfill points, month and year boundaries, old points (2017), nulls and values at decimal's limits.
    private const string FillWideHistory = """
        INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill, run_id)
        SELECT src, id, timestamptz '2025-12-31T20:00:00Z' + h * interval '10 minutes', asset,
               (1000 + h)::numeric / 7, CASE WHEN h % 5 = 0 THEN NULL ELSE 1e12 + h END, h * 1000.5, h % 3 = 0, 1
          FROM (VALUES ('coingecko', 'bitcoin', 'btc-bitcoin'), ('coinpaprika', 'btc-bitcoin', 'btc-bitcoin'),
                       ('csv', 'BTC', 'btc-bitcoin'), ('csv', 'XBT', 'btc-bitcoin'), ('coingecko', 'ethereum', 'eth-ethereum')) s(src, id, asset)
         CROSS JOIN generate_series(0, 60) h;
        INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill, run_id)
        VALUES ('csv', 'DUST', '2017-03-01T00:00:00Z', 'dust-dust', 0.000000000000000001, 0, NULL, true, 2),
               ('csv', 'DUST', '2017-02-28T23:59:59.999999Z', 'dust-dust', 1234567890123456789012345678, 7.9228162514264337593543950335, 0, true, NULL),
               ('csv', 'DUST', '2026-11-30T23:59:59Z', 'dust-dust', 0, NULL, 79228162514264337593543950335, false, 3);
        """;

    private const string EveryObservation = """
        SELECT string_agg(concat_ws('|', source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill), E'\n'
                          ORDER BY source, source_id, observed_at)
          FROM price_history
        """;

    [Fact]
    public async Task A_filled_history_migrates_with_every_observation_once_and_digit_for_digit()
    {
        var server = await PostgresServer.Shared;
        var name = $"history_migration_{Guid.NewGuid():N}";
        await server.ExecuteAsync("postgres", $"CREATE DATABASE {name}");
        var connectionString = server.ConnectionString(name);
        await using var db = new KasparroDb((DbContextOptions<KasparroDb>)KasparroDbOptions.Configure(new DbContextOptionsBuilder<KasparroDb>(), connectionString).Options);
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync(LastWideMigration);
        await ExecuteAsync(connectionString, FillWideHistory);
        var before = await ScalarAsync<string>(connectionString, EveryObservation);
        var count = await ScalarAsync<long>(connectionString, "SELECT count(*) FROM price_history");

        await migrator.MigrateAsync();

        Assert.Equal(5 * 61 + 3, count);
        Assert.Equal(before, await ScalarAsync<string>(connectionString, EveryObservation));
        Assert.Equal(count, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM price_points"));
        Assert.Equal(6, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM price_series"));
        Assert.Equal("price_points_2017_02,price_points_2017_03,price_points_2025_12,price_points_2026_01,price_points_2026_11",
            await ScalarAsync<string>(connectionString,
                "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid WHERE h.inhparent = 'price_points'::regclass"));
        Assert.Equal("0.000000000000000001|1234567890123456789012345678|7.9228162514264337593543950335|79228162514264337593543950335",
            await ScalarAsync<string>(connectionString,
                "SELECT concat_ws('|', min(price_usd) FILTER (WHERE price_usd > 0), max(price_usd), max(market_cap_usd) FILTER (WHERE market_cap_usd < 10), max(volume_24h_usd)) FROM price_history WHERE source_id = 'DUST'"));

        // The services write on: a point in a month with no partition yet (through the view, as an analyst's SQL would)
        // and a repeat of a migrated key, which the key still refuses.
        await ExecuteAsync(connectionString,
            "INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, is_backfill) VALUES ('csv', 'DUST', '2014-07-04Z', 'dust-dust', 2, true)");
        Assert.Equal(count + 1, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM price_history"));
        var repeat = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connectionString,
            "INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, is_backfill) VALUES ('csv', 'DUST', '2017-03-01T00:00:00Z', 'dust-dust', 5, true)"));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, repeat.SqlState);
    }

    [Fact]
    public async Task Compacted_days_of_the_first_form_migrate_to_the_encoded_form_and_back_with_every_observation_once()
    {
        var server = await PostgresServer.Shared;
        var name = $"chunk_migration_{Guid.NewGuid():N}";
        await server.ExecuteAsync("postgres", $"CREATE DATABASE {name}");
        var connectionString = server.ConnectionString(name);
        await using var db = new KasparroDb((DbContextOptions<KasparroDb>)KasparroDbOptions.Configure(new DbContextOptionsBuilder<KasparroDb>(), connectionString).Options);
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync(FirstChunkFormMigration);
        await ExecuteAsync(connectionString, """
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            SELECT src, id, timestamptz '2025-12-31T20:00:00Z' + h * interval '10 minutes', asset,
                   round((1000 + h)::numeric / 8, 4), CASE WHEN h % 5 = 0 THEN NULL ELSE 1e12 + h END, h * 1000.50, h % 3 = 0
              FROM (VALUES ('coingecko', 'bitcoin', 'btc-bitcoin'), ('csv', 'BTC', 'btc-bitcoin')) s(src, id, asset)
             CROSS JOIN generate_series(0, 60) h;
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            VALUES ('csv', 'DUST', '2017-03-01T00:00:00Z', 'dust-dust', 0.000000000000000001, 1234567890123456789012345678, NULL, true);
            """);
        var before = await ScalarAsync<string>(connectionString, EveryObservation);
        // Everything before 2026 compacted as ColdCompaction's compactor wrote it: plain arrays.
        await ExecuteAsync(connectionString, """
            SELECT ensure_price_chunks_partition(m) FROM (VALUES (timestamptz '2017-03-01Z'), ('2025-12-01Z')) v(m);
            WITH moved AS (DELETE FROM price_points WHERE observed_at < '2026-01-01Z' RETURNING *)
            INSERT INTO price_chunks (series_id, day, points, observed_at, is_backfill, price_usd, market_cap_usd, volume_24h_usd)
            SELECT series_id, (observed_at AT TIME ZONE 'UTC')::date, count(*), array_agg(observed_at ORDER BY observed_at),
                   array_agg(is_backfill ORDER BY observed_at), array_agg(price_usd ORDER BY observed_at),
                   array_agg(market_cap_usd ORDER BY observed_at), array_agg(volume_24h_usd ORDER BY observed_at)
              FROM moved GROUP BY 1, 2;
            """);
        Assert.Equal(3, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM price_chunks"));
        Assert.Equal(before, await ScalarAsync<string>(connectionString, EveryObservation));

        await migrator.MigrateAsync();

        Assert.Equal(before, await ScalarAsync<string>(connectionString, EveryObservation));
        Assert.Equal(0, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM price_chunks"));
        Assert.Equal(2 * 61 + 1, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM price_points"));

        // Compacted again in the encoded form, then back down to the first form.
        await ExecuteAsync(connectionString, """
            WITH moved AS (DELETE FROM price_points WHERE observed_at < '2026-01-01Z' RETURNING *)
            INSERT INTO price_chunks
            SELECT e.* FROM (SELECT series_id, (observed_at AT TIME ZONE 'UTC')::date AS day, array_agg(observed_at ORDER BY observed_at) AS t,
                                    array_agg(is_backfill ORDER BY observed_at) AS b, array_agg(price_usd ORDER BY observed_at) AS p,
                                    array_agg(market_cap_usd ORDER BY observed_at) AS m, array_agg(volume_24h_usd ORDER BY observed_at) AS v
                               FROM moved GROUP BY 1, 2) d
             CROSS JOIN LATERAL price_chunk_encode(d.series_id, d.day, d.t, d.b, d.p, d.m, d.v) e;
            """);
        Assert.Equal(3, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM price_chunks WHERE price_codes IS NOT NULL"));
        Assert.Equal(before, await ScalarAsync<string>(connectionString, EveryObservation));

        await migrator.MigrateAsync(FirstChunkFormMigration);

        Assert.Equal(before, await ScalarAsync<string>(connectionString, EveryObservation));
        Assert.Equal(0, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM price_chunks"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
