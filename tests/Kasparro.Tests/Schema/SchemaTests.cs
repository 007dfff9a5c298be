using Kasparro.Tests.Infrastructure;

namespace Kasparro.Tests.Schema;

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
    public async Task Timestamps_are_stored_with_time_zone()
    {
        var type = await database.ScalarAsync<string>(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'price_history' AND column_name = 'observed_at'");
        Assert.Equal("timestamp with time zone", type);
    }
}
