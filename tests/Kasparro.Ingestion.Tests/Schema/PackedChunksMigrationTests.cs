using Kasparro.Data;
using Kasparro.Ingestion.History;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Schema;

/// <summary>
/// Migration PackedChunks on a database whose cold months the previous form compacted: the chunks are converted in place
/// (the same rows, now bit-packed) with every observation identical, digit for digit; Down converts them back to
/// <c>bigint[]</c> codes, again identical; and the upkeep after Up compacts new days in the packed form.
/// </summary>
public sealed class PackedChunksMigrationTests
{
    private const string PreviousMigration = "20261206043500_EncodedHourlyRollups";
    private const string PackedMigration = "20261206073000_PackedChunks";

    // A regular 10-minute series and an irregular one with microseconds over a month end, trailing zeros, nulls at a
    // day's start, middle and end, negative changes, 1e-18, a 28-digit number (kept as numbers) and a one-point day.
    private const string FillHistory = """
        INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
        SELECT 'coingecko', 'bitcoin', timestamptz '2026-07-30T00:00:00Z' + m * interval '10 minutes', 'bitcoin',
               round(64000 + 500 * sin(m / 7.0)::numeric, 2 + m % 3), CASE WHEN m % 144 IN (0, 77, 143) THEN NULL ELSE 1.26e12 + m * 1000 END,
               round(m * 1000.50, 2), m % 11 = 0
          FROM generate_series(0, 4 * 144 - 1) m;
        INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
        SELECT 'csv', 'DUST', timestamptz '2026-07-31T20:00:00Z' + m * interval '7 minutes 13.000017 seconds', 'dust',
               CASE WHEN m % 9 = 0 THEN 0.000000000000000001 ELSE round(1 - m / 100.0, 8) END, 1234567890123456789012345678, NULL, true
          FROM generate_series(0, 80) m;
        INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
        VALUES ('csv', 'ONE', '2026-06-15T12:34:56.789012Z', 'one', 1.50, 0, -2, false);
        """;

    private const string EveryObservation = """
        SELECT count(*) || ' ' || md5(string_agg(concat_ws(' ', source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill),
                                                 E'\n' ORDER BY source, source_id, observed_at))
          FROM price_history
        """;

    private const string ChunkTypes = """
        SELECT string_agg(format_type(atttypid, atttypmod), ' ' ORDER BY attname) FROM pg_attribute
         WHERE attrelid = 'price_chunks'::regclass AND attname IN ('time_deltas', 'price_codes', 'market_cap_codes', 'volume_codes')
        """;

    [Fact]
    public async Task Compacted_days_are_packed_in_place_and_unpacked_by_Down_with_every_observation_identical()
    {
        var server = await PostgresServer.Shared;
        var name = $"packed_chunks_migration_{Guid.NewGuid():N}";
        await server.ExecuteAsync("postgres", $"CREATE DATABASE {name}");
        var connectionString = server.ConnectionString(name);
        await using var db = new KasparroDb((DbContextOptions<KasparroDb>)KasparroDbOptions.Configure(new DbContextOptionsBuilder<KasparroDb>(), connectionString).Options);
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync(PreviousMigration);
        await server.ExecuteAsync(name, FillHistory);
        var before = await server.ScalarAsync<string>(name, EveryObservation);
        await UpkeepAsync(connectionString);
        var chunks = await server.ScalarAsync<long>(name, "SELECT count(*) FROM price_chunks");
        Assert.Equal(0, await server.ScalarAsync<long>(name, "SELECT count(*) FROM price_points WHERE observed_at < '2026-09-01Z'"));
        Assert.Equal("bigint[] bigint[] bigint[] bigint[]", await server.ScalarAsync<string>(name, ChunkTypes));
        Assert.Equal(before, await server.ScalarAsync<string>(name, EveryObservation));

        await migrator.MigrateAsync(PackedMigration);

        Assert.Equal("bit varying bit varying bit varying bit varying", await server.ScalarAsync<string>(name, ChunkTypes));
        Assert.Equal(chunks, await server.ScalarAsync<long>(name, "SELECT count(*) FROM price_chunks"));
        Assert.Equal(0, await server.ScalarAsync<long>(name, "SELECT count(*) FROM price_points WHERE observed_at < '2026-09-01Z'"));
        Assert.Equal(before, await server.ScalarAsync<string>(name, EveryObservation));
        // The 28-digit market caps kept their numbers, the rest converted to packed codes.
        Assert.Equal("bitcoin codes|dust numbers|one codes", await server.ScalarAsync<string>(name, """
            SELECT string_agg(form, '|' ORDER BY form)
              FROM (SELECT DISTINCT concat_ws(' ', lower(s.source_id), CASE WHEN c.market_cap_codes IS NULL THEN 'numbers' ELSE 'codes' END) AS form
                      FROM price_chunks c JOIN price_series s ON s.id = c.series_id) f
            """));

        await migrator.MigrateAsync(PreviousMigration);

        Assert.Equal("bigint[] bigint[] bigint[] bigint[]", await server.ScalarAsync<string>(name, ChunkTypes));
        Assert.Equal(chunks, await server.ScalarAsync<long>(name, "SELECT count(*) FROM price_chunks"));
        Assert.Equal(before, await server.ScalarAsync<string>(name, EveryObservation));

        // Up again, and a new cold day (August 2026 already compacted is thawed by the write, then compacted again) packed.
        await migrator.MigrateAsync();
        Assert.Equal(before, await server.ScalarAsync<string>(name, EveryObservation));
        await server.ExecuteAsync(name, """
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            VALUES ('csv', 'ONE', '2026-08-02T00:00:00.000001Z', 'one', 2.000, NULL, 3, true);
            """);
        var written = await server.ScalarAsync<string>(name, EveryObservation);
        await UpkeepAsync(connectionString);
        Assert.Equal(written, await server.ScalarAsync<string>(name, EveryObservation));
        Assert.Equal(0, await server.ScalarAsync<long>(name, "SELECT count(*) FROM price_points WHERE observed_at < '2026-09-01Z'"));
    }

    private static async Task UpkeepAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new PartitionUpkeep(dataSource, Microsoft.Extensions.Options.Options.Create(new HistoryOptions { CompactAfter = "60" }),
            new FixedClock(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero)), NullLogger<PartitionUpkeep>.Instance).RunAsync(CancellationToken.None);
    }
}
