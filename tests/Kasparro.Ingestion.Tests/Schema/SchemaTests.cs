
namespace Kasparro.Ingestion.Tests.Schema;

public sealed class SchemaTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Theory]
    [InlineData("raw_records")]
    [InlineData("normalized_records")]
    [InlineData("price_history")]
    [InlineData("assets")]
    [InlineData("asset_mappings")]
    [InlineData("etl_checkpoints")]
    [InlineData("etl_runs")]
    [InlineData("schema_drift_events")]
    [InlineData("quarantined_records")]
    [InlineData("alert_rules")]
    [InlineData("alerts")]
    [InlineData("alert_deliveries")]
    [InlineData("qrtz_triggers")]
    [InlineData("qrtz_fired_triggers")]
    public async Task Migrations_create_every_table_the_services_need(string table)
    {
        var exists = await database.ScalarAsync<bool>($"SELECT to_regclass('public.{table}') IS NOT NULL");
        Assert.True(exists, $"table {table} is missing");
    }

    [Theory]
    [InlineData("normalized_records", "price_usd")]
    [InlineData("price_history", "price_usd")]
    [InlineData("normalized_records", "market_cap_usd")]
    public async Task Money_columns_are_numeric_so_precision_is_never_lost(string table, string column)
    {
        var type = await database.ScalarAsync<string>(
            $"SELECT data_type FROM information_schema.columns WHERE table_name = '{table}' AND column_name = '{column}'");
        Assert.Equal("numeric", type);
    }

    [Fact]
    public async Task Only_one_alert_per_rule_and_subject_can_be_open()
    {
        await database.ExecuteAsync("""
            TRUNCATE alert_deliveries, alerts, alert_rules RESTART IDENTITY CASCADE;
            INSERT INTO alert_rules (kind, cooldown, origin, created_at) VALUES ('run_failed', '0', 'api', now());
            INSERT INTO alerts (rule_id, subject, state, opened_at, resolved_at, details) VALUES (1, 'csv', 'resolved', now(), now(), '{}');
            INSERT INTO alerts (rule_id, subject, state, opened_at, details) VALUES (1, 'csv', 'open', now(), '{}');
            """);

        var duplicate = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            database.ExecuteAsync("INSERT INTO alerts (rule_id, subject, state, opened_at, details) VALUES (1, 'csv', 'open', now(), '{}')"));

        Assert.Equal("ix_alerts_one_open_per_rule_subject", duplicate.ConstraintName);
    }

    [Fact]
    public async Task Timestamps_are_stored_with_time_zone()
    {
        var type = await database.ScalarAsync<string>(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'price_history' AND column_name = 'observed_at'");
        Assert.Equal("timestamp with time zone", type);
    }

    [Fact]
    public async Task Price_points_have_one_index_their_narrow_key_in_every_partition()
    {
        // Every index costs the bulk load about as much as the row itself (docs/performance.md): one is the budget,
        // and the key is (series id, time) only: no value is stored twice.
        await database.ExecuteAsync("SELECT ensure_price_points_partitions(ARRAY[timestamptz '2019-05-17Z', timestamptz '2026-12-01Z'])");
        Assert.Equal(
            "CREATE UNIQUE INDEX pk_price_points ON ONLY public.price_points USING btree (series_id, observed_at)",
            await database.ScalarAsync<string>("SELECT string_agg(indexdef, '; ') FROM pg_indexes WHERE tablename = 'price_points'"));
        var partitionIndexes = await database.ScalarAsync<string>("""
            SELECT string_agg(DISTINCT regexp_replace(i.indexdef, 'INDEX \S+ ON public\.price_points_\d{4}_\d{2} ', 'INDEX ON '), '; ')
              FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid JOIN pg_indexes i ON i.tablename = c.relname
             WHERE h.inhparent = 'price_points'::regclass
            """);
        Assert.Equal("CREATE UNIQUE INDEX ON USING btree (series_id, observed_at)", partitionIndexes);
    }

    [Fact]
    public async Task Price_history_key_text_compares_by_bytes()
    {
        Assert.Equal("C,C", await database.ScalarAsync<string>(
            "SELECT string_agg(collation_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'price_history' AND column_name IN ('source', 'source_id')"));
    }

    [Fact]
    public async Task Latest_records_leave_room_for_hot_updates_and_created_at_is_not_indexed()
    {
        // An update of the latest record changes created_at and the prices: with no index on any of them and free
        // space on the page, PostgreSQL updates in place (HOT) without touching the table's six indexes.
        Assert.Equal("{fillfactor=70}", await database.ScalarAsync<string>("SELECT reloptions::text FROM pg_class WHERE relname = 'normalized_records'"));
        Assert.Equal(0, await database.ScalarAsync<long>(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'normalized_records' AND indexdef ~ '(created_at|price_usd|market_cap_usd|volume_24h_usd|ingested_at)'"));
    }

    [Fact]
    public async Task Raw_payloads_are_compressed_with_lz4()
    {
        Assert.Equal("l", await database.ScalarAsync<string>(
            "SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'raw_records'::regclass AND attname = 'payload'"));
    }
}
