using Kasparro.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Schema;

/// <summary>
/// A number Npgsql cannot read as a decimal is refused when written, by a constraint whose name says why, on every
/// value column the API reads; the largest decimals are stored.
/// </summary>
public sealed class DecimalFitTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string, string> ValuesDecimalCannotHold => new()
    {
        { "1e40", "far above decimal.MaxValue" },
        { "79228162514264337593543950336", "decimal.MaxValue + 1" },
        { "-79228162514264337593543950336", "decimal.MinValue - 1" },
        { "7.9228162514264337593543950336", "one unit above the largest decimal with 28 fractional digits" },
        { "0.00000000000000000000000000001", "29 fractional digits" },
        { "1.00000000000000000000000000000", "29 fractional digits, trailing zeros included" },
        { "12345678901234567890.1234567891", "30 significant digits" },
        { "NaN", "not a number" },
        { "Infinity", "infinity" },
        { "-Infinity", "minus infinity" },
    };

    [Theory]
    [MemberData(nameof(ValuesDecimalCannotHold))]
    public async Task A_history_price_decimal_cannot_hold_is_refused_naming_the_constraint(string value, string why)
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync($"""
            INSERT INTO price_history (source, source_id, observed_at, price_usd, is_backfill)
            VALUES ('csv', 'BTC', now(), '{value}', false)
            """));
        Assert.True(error.ConstraintName == "ck_price_history_values_fit_decimal", $"{value} ({why}): {error.MessageText}");
        Assert.Contains("ck_price_history_values_fit_decimal", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("price_history", "market_cap_usd", "ck_price_history_values_fit_decimal")]
    [InlineData("price_history", "volume_24h_usd", "ck_price_history_values_fit_decimal")]
    [InlineData("normalized_records", "price_usd", "ck_normalized_records_values_fit_decimal")]
    [InlineData("normalized_records", "market_cap_usd", "ck_normalized_records_values_fit_decimal")]
    [InlineData("normalized_records", "volume_24h_usd", "ck_normalized_records_values_fit_decimal")]
    [InlineData("normalized_records", "percent_change_24h", "ck_normalized_records_values_fit_decimal")]
    [InlineData("assets", "market_cap_usd", "ck_assets_values_fit_decimal")]
    public async Task An_update_to_a_value_decimal_cannot_hold_is_refused_on_every_value_column(string table, string column, string constraint)
    {
        await SeedOneRowPerTableAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync($"UPDATE {table} SET {column} = 1e40"));
        Assert.Equal(constraint, error.ConstraintName);
        Assert.Equal(1, await database.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE {column} IS DISTINCT FROM 1e40"));
    }

    [Fact]
    public async Task The_largest_and_smallest_decimals_and_nulls_are_stored()
    {
        await SeedOneRowPerTableAsync();
        await ExecuteAsync("""
            UPDATE price_history SET price_usd = 79228162514264337593543950335, market_cap_usd = -79228162514264337593543950335, volume_24h_usd = NULL;
            UPDATE normalized_records SET price_usd = 7.9228162514264337593543950335, market_cap_usd = 0.0000000000000000000000000001,
                                          volume_24h_usd = -7.9228162514264337593543950335, percent_change_24h = NULL;
            UPDATE assets SET market_cap_usd = 79228162514264337593543950335;
            """);

        await using var db = database.CreateDb();
        var point = await db.PriceHistory.SingleAsync();
        Assert.Equal((decimal.MaxValue, decimal.MinValue, (decimal?)null), (point.PriceUsd, point.MarketCapUsd, point.Volume24hUsd));
        var record = await db.MarketRecords.SingleAsync();
        Assert.Equal(7.9228162514264337593543950335m, record.PriceUsd);
        Assert.Equal(0.0000000000000000000000000001m, record.MarketCapUsd);
        Assert.Equal(-7.9228162514264337593543950335m, record.Volume24hUsd);
        Assert.Equal(decimal.MaxValue, (await db.Assets.SingleAsync()).MarketCapUsd);
    }

    [Fact]
    public async Task The_constraints_are_validated_and_the_model_has_no_pending_changes()
    {
        Assert.Equal(3, await database.ScalarAsync<long>(
            "SELECT count(*) FROM pg_constraint WHERE conname LIKE 'ck_%_values_fit_decimal' AND contype = 'c' AND convalidated AND coninhcount = 0"));
        await using var db = database.CreateDb();
        Assert.False(db.Database.HasPendingModelChanges(), "the EF model differs from the last migration's snapshot: add a migration");
    }

    private Task SeedOneRowPerTableAsync() => ExecuteAsync("""
        INSERT INTO assets (id, symbol, name, market_cap_usd, created_at, updated_at) VALUES ('btc-bitcoin', 'BTC', 'Bitcoin', 1, now(), now());
        INSERT INTO normalized_records (id, source, source_id, asset_id, ticker, price_usd, market_cap_usd, volume_24h_usd, percent_change_24h, created_at, ingested_at)
        VALUES ('csv_BTC', 'csv', 'BTC', 'btc-bitcoin', 'BTC', 1, 1, 1, 1, now(), now());
        INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
        VALUES ('csv', 'BTC', now(), 'btc-bitcoin', 1, 1, 1, false);
        """);

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
