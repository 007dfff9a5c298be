using Kasparro.Data;
using Npgsql;
using NpgsqlTypes;

namespace Kasparro.Ingestion.Tests.Schema;

/// <summary>
/// The triggers behind the API's history cache: every committed change to price_history or asset_mappings names the
/// assets it touched on <see cref="HistoryChanges.Channel"/>, one notification per statement (a few for long lists).
/// </summary>
public sealed class HistoryChangeNotificationTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private NpgsqlConnection _listener = null!;
    private readonly List<string> _payloads = [];

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        // Unpooled: a pooled connection keeps listening until its next use and would hand over what it heard.
        _listener = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ConnectionString);
        await _listener.OpenAsync();
        _listener.Notification += (_, e) => _payloads.Add(e.Payload);
        await using var listen = new NpgsqlCommand($"LISTEN {HistoryChanges.Channel}", _listener);
        await listen.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync() => await _listener.DisposeAsync();

    [Fact]
    public async Task An_insert_names_each_asset_once_and_only_after_commit()
    {
        await using var writer = await OpenAsync();
        await using (var transaction = await writer.BeginTransactionAsync())
        {
            // One statement into the storage, as the writers send a batch (an insert through the price_history view
            // runs a statement per row: see Each_row_written_through_the_view_names_its_asset).
            await ExecuteAsync(writer, """
                INSERT INTO price_series (source, source_id, asset_id) SELECT 'coingecko', s, s || '-coin' FROM unnest(ARRAY['a', 'b', 'c']) AS s;
                SELECT ensure_price_points_partitions(ARRAY[timestamptz '2025-03-01Z']);
                INSERT INTO price_points (observed_at, series_id, is_backfill, price_usd)
                SELECT timestamptz '2025-03-01Z' + h * interval '1 hour', s.id, false, 1
                FROM price_series s, generate_series(1, 50) AS h
                """);
            Assert.Empty(await ReceivedAsync());
            await transaction.CommitAsync();
        }

        var payload = Assert.Single(await ReceivedAsync());
        Assert.Equal(["a-coin", "b-coin", "c-coin"], payload.Split(HistoryChanges.Separator).Order());
    }

    [Fact]
    public async Task A_rolled_back_insert_sends_nothing()
    {
        await using var writer = await OpenAsync();
        await using (var transaction = await writer.BeginTransactionAsync())
        {
            await ExecuteAsync(writer, "INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, is_backfill) VALUES ('csv', 'X', now(), 'x-coin', 1, false)");
            await transaction.RollbackAsync();
        }

        Assert.Empty(await ReceivedAsync());
    }

    [Fact]
    public async Task A_binary_copy_notifies_like_an_insert()
    {
        await using var writer = await OpenAsync();
        await ExecuteAsync(writer, """
            INSERT INTO price_series (id, source, source_id, asset_id) VALUES (4, 'csv', 'd', 'd-coin'), (5, 'csv', 'e', 'e-coin');
            SELECT ensure_price_points_partitions(ARRAY[timestamptz '2025-03-01Z']);
            """);
        await using (var importer = await writer.BeginBinaryImportAsync(
            "COPY price_points (observed_at, series_id, is_backfill, price_usd) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (series, hour) in new[] { (4, 1), (4, 2), (5, 1) })
            {
                await importer.StartRowAsync();
                await importer.WriteAsync(new DateTimeOffset(2025, 3, 1, hour, 0, 0, TimeSpan.Zero), NpgsqlDbType.TimestampTz);
                await importer.WriteAsync(series, NpgsqlDbType.Integer);
                await importer.WriteAsync(false, NpgsqlDbType.Boolean);
                await importer.WriteAsync(1m, NpgsqlDbType.Numeric);
            }

            await importer.CompleteAsync();
        }

        Assert.Equal(["d-coin", "e-coin"], Assert.Single(await ReceivedAsync()).Split(HistoryChanges.Separator).Order());
    }

    [Fact]
    public async Task Each_row_written_through_the_view_names_its_asset()
    {
        await using var writer = await OpenAsync();
        await using (var importer = await writer.BeginBinaryImportAsync(
            "COPY price_history (source, source_id, observed_at, asset_id, price_usd, is_backfill) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (id, hour) in new[] { ("f", 1), ("f", 2), ("g", 1) })
            {
                await importer.StartRowAsync();
                await importer.WriteAsync("csv", NpgsqlDbType.Text);
                await importer.WriteAsync(id, NpgsqlDbType.Text);
                await importer.WriteAsync(new DateTimeOffset(2025, 3, 1, hour, 0, 0, TimeSpan.Zero), NpgsqlDbType.TimestampTz);
                await importer.WriteAsync(id + "-coin", NpgsqlDbType.Text);
                await importer.WriteAsync(1m, NpgsqlDbType.Numeric);
                await importer.WriteAsync(false, NpgsqlDbType.Boolean);
            }

            await importer.CompleteAsync();
        }

        // PostgreSQL folds a transaction's identical notifications into one: one payload per asset.
        Assert.Equal(["f-coin", "g-coin"], (await ReceivedAsync()).Order());
    }

    [Fact]
    public async Task A_long_list_of_assets_comes_in_payloads_postgresql_accepts()
    {
        await using var writer = await OpenAsync();
        await ExecuteAsync(writer, """
            INSERT INTO assets (id, symbol, name, created_at, updated_at)
            SELECT format('asset-with-a-rather-long-identifier-%s', i), 'C' || i, 'Coin ' || i, now(), now() FROM generate_series(1, 2000) AS i;
            INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, linked_at)
            SELECT 'coingecko', 'coin-' || i, format('asset-with-a-rather-long-identifier-%s', i), 'new', 1, false, now()
            FROM generate_series(1, 2000) AS i
            """);

        var payloads = await ReceivedAsync();
        Assert.True(payloads.Count > 1, $"{payloads.Count} payload(s)");
        Assert.All(payloads, p => Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(p), 1, HistoryChanges.MostPayloadBytes));
        var named = payloads.SelectMany(p => p.Split(HistoryChanges.Separator)).ToList();
        Assert.Equal(2000, named.Count);
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => $"asset-with-a-rather-long-identifier-{i}").Order(), named.Order());
    }

    [Fact]
    public async Task An_update_names_the_assets_before_and_after_and_a_truncate_names_any()
    {
        await using var writer = await OpenAsync();
        await ExecuteAsync(writer, """
            INSERT INTO assets (id, symbol, name, created_at, updated_at) VALUES ('f-old', 'F', 'F', now(), now()), ('f-new', 'F', 'F', now(), now());
            INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, linked_at) VALUES ('csv', 'F', 'f-old', 'new', 1, false, now())
            """);
        Assert.Equal(["f-old"], await ReceivedAsync());

        await ExecuteAsync(writer, "UPDATE asset_mappings SET asset_id = 'f-new' WHERE source_id = 'F'");
        Assert.Equal(["f-new", "f-old"], Assert.Single(await ReceivedAsync()).Split(HistoryChanges.Separator).Order());

        // An update that matches nothing changes nothing.
        await ExecuteAsync(writer, "UPDATE asset_mappings SET asset_id = 'f-old' WHERE source_id = 'none'");
        Assert.Empty(await ReceivedAsync());

        await ExecuteAsync(writer, "DELETE FROM asset_mappings WHERE source_id = 'F'");
        Assert.Equal(["f-new"], await ReceivedAsync());

        await ExecuteAsync(writer, "TRUNCATE price_points");
        Assert.Equal([HistoryChanges.AnyAsset], await ReceivedAsync());
    }

    /// <summary>The notifications delivered so far (waiting briefly for stragglers), then forgets them.</summary>
    private async Task<List<string>> ReceivedAsync()
    {
        while (await _listener.WaitAsync(TimeSpan.FromMilliseconds(300)))
        {
        }

        var received = _payloads.ToList();
        _payloads.Clear();
        return received;
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
