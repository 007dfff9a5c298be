using Kasparro.Data;
using Kasparro.Ingestion.History;
using Kasparro.Ingestion.Tests.Rollups;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Schema;

/// <summary>
/// Migration EncodedHourlyRollups on a filled database: the hourly day rows stay as they are (every bucket reads the same),
/// the next upkeep encodes the cold months with every value digit for digit, and its Down moves the encoded months back to
/// day rows that read the same again.
/// </summary>
public sealed class EncodedHourlyRollupsMigrationTests
{
    private const string PreviousMigration = "20261206015344_EncodedChunks";
    private const string EncodedMigration = "20261206043500_EncodedHourlyRollups";

    // Points every 10 minutes over a month end (two series, one with gaps of whole hours), values with trailing zeros,
    // nulls and a 28-digit market cap, written through the view as the writers do; the 2017 point is a cold month alone.
    private const string FillHistory = """
        INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
        SELECT src, id, timestamptz '2026-07-31T21:00:00Z' + m * interval '10 minutes', id,
               round((1000 + m)::numeric / 7, 8), CASE WHEN m % 5 = 0 THEN NULL ELSE 1e12 + m END, round(m * 1000.5, 2), false
          FROM (VALUES ('coingecko', 'bitcoin'), ('csv', 'BTC')) s(src, id)
         CROSS JOIN generate_series(0, 60) m
         WHERE id = 'bitcoin' OR (m / 6) % 2 = 0;
        INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
        VALUES ('csv', 'DUST', '2017-02-28T23:59:59.999999Z', 'dust', 1234567890123456789012345678, 7.9228162514264337593543950335, 0.10, true),
               ('csv', 'BTC', '2026-12-01T00:00:00Z', 'bitcoin', 1.50, NULL, NULL, false);
        """;

    // What the rollup step did before this migration: every queued day's hourly and daily rows, the queue emptied.
    private static readonly string RollUp = $"""
        {HistoryRollups.InsertHours($"SELECT * FROM {HistoryRollups.BucketsFunction}('1 hour', array(SELECT id FROM {HistoryStorage.SeriesTable}), '-infinity', 'infinity')")};
        INSERT INTO {HistoryRollups.Daily} SELECT * FROM {HistoryRollups.BucketsFunction}('1 day', array(SELECT id FROM {HistoryStorage.SeriesTable}), '-infinity', 'infinity');
        DELETE FROM {HistoryRollups.QueueTable};
        """;

    private const string Hours = """
        SELECT string_agg(concat_ws('|', series_id, bucket, points, first_at, last_at, open, high, low, close, market_cap_usd, volume_24h_usd), E'\n' ORDER BY series_id, bucket)
          FROM price_rollups(interval '1 hour', array(SELECT id FROM price_series), '-infinity', 'infinity')
        """;

    [Fact]
    public async Task Day_rows_stay_until_the_next_upkeep_encodes_the_cold_months_and_Down_gives_them_back()
    {
        var server = await PostgresServer.Shared;
        var name = $"encoded_rollups_migration_{Guid.NewGuid():N}";
        await server.ExecuteAsync("postgres", $"CREATE DATABASE {name}");
        var connectionString = server.ConnectionString(name);
        await using var db = new KasparroDb((DbContextOptions<KasparroDb>)KasparroDbOptions.Configure(new DbContextOptionsBuilder<KasparroDb>(), connectionString).Options);
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync(PreviousMigration);
        await server.ExecuteAsync(name, FillHistory);
        await server.ExecuteAsync(name, RollUp);
        var hours = await server.ScalarAsync<string>(name, Hours);
        var dayRows = await server.ScalarAsync<long>(name, "SELECT count(*) FROM price_rollups_1h");

        await migrator.MigrateAsync(EncodedMigration);

        Assert.Equal(hours, await server.ScalarAsync<string>(name, Hours));
        Assert.Equal(dayRows, await server.ScalarAsync<long>(name, "SELECT count(*) FROM price_rollups_1h"));
        Assert.Equal(0, await server.ScalarAsync<long>(name, "SELECT count(*) FROM price_rollups_1h_encoded"));

        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            await new PartitionUpkeep(dataSource, Microsoft.Extensions.Options.Options.Create(new HistoryOptions { CompactAfter = "60" }),
                new FixedClock(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero)), NullLogger<PartitionUpkeep>.Instance).RunAsync(CancellationToken.None);
        }

        // 2017-02 of DUST, 2026-07 and 2026-08 of bitcoin and BTC encoded; the 28-digit price keeps its numbers; December stays.
        Assert.Equal("2017-02-01 numbers|2026-07-01 codes|2026-07-01 codes|2026-08-01 codes|2026-08-01 codes", await server.ScalarAsync<string>(name, """
            SELECT string_agg(concat_ws(' ', month, CASE WHEN open_codes IS NULL THEN 'numbers' ELSE 'codes' END), '|' ORDER BY month, series_id)
              FROM price_rollups_1h_encoded
            """));
        Assert.Equal("2026-12-01", await server.ScalarAsync<string>(name, "SELECT string_agg(day::text, ' ') FROM price_rollups_1h"));
        Assert.Equal(hours, await server.ScalarAsync<string>(name, Hours));

        await migrator.MigrateAsync(PreviousMigration);
        Assert.Equal(hours, await server.ScalarAsync<string>(name, Hours));
        Assert.Equal(dayRows, await server.ScalarAsync<long>(name, "SELECT count(*) FROM price_rollups_1h"));
        Assert.True(await server.ScalarAsync<bool>(name, "SELECT to_regclass('price_rollups_1h_encoded') IS NULL"));

        await migrator.MigrateAsync();
        Assert.Equal(hours, await server.ScalarAsync<string>(name, Hours));
        await RollupRecomputation.AssertExactAsync(connectionString, "after the migrations down and up");
    }
}
