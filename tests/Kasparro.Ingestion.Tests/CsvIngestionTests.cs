using System.Text;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kasparro.Ingestion.Tests;

public sealed class CsvIngestionTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<Kasparro.Ingestion.Pipeline.RunOutcome> RunCsvAsync(string folder, IDictionary<string, string?>? settings = null)
    {
        await using var host = IngestionHost.Create(database.ConnectionString, upstream: null, folder, settings);
        return await host.RunAsync(SourceNames.Csv);
    }

    [Fact]
    public async Task Headers_match_whatever_their_case_and_spacing_and_a_bom_is_accepted()
    {
        var content = " Symbol , NAME,Price_USD ,market_cap_usd,Volume_24h_USD,percent_change_24h,CREATED_AT\n" +
                      "btc,Bitcoin,71370.71020525187,1426427932261,37555698753.88742,4.13,2026-02-08T13:52:28Z\n";
        var folder = TestFiles.CreateFolder("prices.csv", [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(content)]);

        var outcome = await RunCsvAsync(folder);

        Assert.Equal(EtlRunStatus.Success, outcome.Status);
        await using var db = database.CreateDb();
        var record = await db.MarketRecords.SingleAsync();
        Assert.Equal("csv_BTC", record.Id);
        Assert.Equal("BTC", record.Ticker);
        Assert.Equal(71370.71020525187m, record.PriceUsd);
        Assert.Equal(37555698753.88742m, record.Volume24hUsd);
        Assert.Equal(new DateTimeOffset(2026, 2, 8, 13, 52, 28, TimeSpan.Zero), record.CreatedAt);
    }

    [Fact]
    public async Task A_batchs_raw_chunk_holds_its_lines_verbatim_in_utf8_and_matches_its_content_hash()
    {
        // Sent to PostgreSQL as the UTF-8 bytes it is built from (RawPayload.Utf8): non-ASCII text (two- to four-byte
        // characters) and a JSON escape must arrive as read, and the hash taken of those bytes must be the hash of what is stored.
        const string Header = "symbol,name,price_usd,created_at";
        string[] lines =
        [
            "BTC,Bitcoin back\\slash ₿,70000,2026-02-01T00:00:00Z",
            "EUR,Eurocoin € ü 日本,1.08,2026-02-01T00:00:00Z",
            "EMJ,Emoji 🚀 coin,0.5,2026-02-01T00:00:00Z",
        ];
        var folder = TestFiles.CreateFolder(("prices.csv", Header + "\n" + string.Join("\n", lines) + "\n"));

        var outcome = await RunCsvAsync(folder, new Dictionary<string, string?> { ["Sources:Csv:BatchSize"] = "2" });

        Assert.Equal(EtlRunStatus.Success, outcome.Status);
        Assert.Equal(2, await database.ScalarAsync<int>("SELECT count(*) FROM raw_records WHERE source = 'csv'"));
        Assert.Equal(0, await database.ScalarAsync<int>(
            "SELECT count(*) FROM raw_records WHERE encode(sha256(convert_to(payload::text, 'UTF8')), 'hex') <> content_hash"));
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand(
            "SELECT r.payload ->> 'header', l.line FROM raw_records r, json_array_elements_text(r.payload -> 'rows') WITH ORDINALITY AS l(line, n) " +
            "WHERE r.source = 'csv' ORDER BY (r.payload ->> 'first_line')::int, l.n", connection);
        await using var reader = await read.ExecuteReaderAsync();
        var stored = new List<string>();
        while (await reader.ReadAsync())
        {
            Assert.Equal(Header, reader.GetString(0));
            stored.Add(reader.GetString(1));
        }

        Assert.Equal(lines, stored);
    }

    [Fact]
    public async Task Exponent_form_parses_exactly_null_stays_null_and_zero_stays_zero()
    {
        var folder = TestFiles.CreateFolder(("prices.csv",
            "symbol,price_usd,market_cap_usd,volume_24h_usd,percent_change_24h,created_at\n" +
            "PEPE,8.08e-06,0,,1.9E-07,2026-02-08T13:52:28.578Z\n"));

        await RunCsvAsync(folder);

        await using var db = database.CreateDb();
        var record = await db.MarketRecords.SingleAsync();
        Assert.Equal(0.00000808m, record.PriceUsd);
        Assert.Equal(0m, record.MarketCapUsd);
        Assert.Null(record.Volume24hUsd);
        Assert.Equal(0.00000019m, record.PercentChange24h);
    }

    [Fact]
    public async Task Good_rows_load_and_bad_rows_are_quarantined_with_readable_reasons()
    {
        var folder = TestFiles.CreateFolder(("prices.csv",
            "symbol,name,price_usd,created_at\n" +
            "BTC,Bitcoin,70000,2026-02-01T00:00:00Z\n" +
            "ETH,Ethereum,abc,2026-02-01T00:00:00Z\n" +
            "SOL,Solana,-5,2026-02-01T00:00:00Z\n" +
            ",Nameless,1,2026-02-01T00:00:00Z\n" +
            "ADA,Cardano,0.27,yesterday\n" +
            "XRP,XRP,1.42,2026-02-01T00:00:00Z\n"));

        var outcome = await RunCsvAsync(folder);

        Assert.Equal(EtlRunStatus.Partial, outcome.Status);
        Assert.Equal(6, outcome.Counts.Fetched);
        Assert.Equal(2, outcome.Counts.Inserted);
        Assert.Equal(4, outcome.Counts.Quarantined);
        Assert.Equal(outcome.Counts.Fetched,
            outcome.Counts.Inserted + outcome.Counts.Updated + outcome.Counts.Unchanged + outcome.Counts.Quarantined);
        await using var db = database.CreateDb();
        var reasons = await db.QuarantinedRecords.OrderBy(q => q.Id).Select(q => q.Reason).ToListAsync();
        Assert.Contains(reasons, r => r.Contains("'price_usd' value 'abc' is not a number"));
        Assert.Contains(reasons, r => r.Contains("'price_usd' is negative"));
        Assert.Contains(reasons, r => r.Contains("'symbol' is empty"));
        Assert.Contains(reasons, r => r.Contains("'created_at' value 'yesterday' is not an ISO 8601 date"));
        var bad = await db.QuarantinedRecords.SingleAsync(q => q.SourceId == "ETH");
        Assert.Contains("\"price_usd\":\"abc\"", bad.RawContent);
        Assert.Equal("prices.csv:3", bad.Location);
    }

    [Fact]
    public async Task A_multi_day_csv_lands_entirely_in_history_and_the_latest_row_in_the_normalized_table()
    {
        var folder = TestFiles.CreateFolder(("history.csv",
            "symbol,price_usd,created_at\n" +
            "BTC,70000,2026-02-01T00:00:00Z\n" +
            "BTC,71000,2026-02-03T00:00:00Z\n" +
            "BTC,70500,2026-02-02T00:00:00Z\n"));

        var outcome = await RunCsvAsync(folder);

        Assert.Equal(1, outcome.Counts.Inserted);
        Assert.Equal(2, outcome.Counts.Updated);
        Assert.Equal(3, await database.ScalarAsync<int>("SELECT count(*) FROM price_history"));
        await using var db = database.CreateDb();
        var latest = await db.MarketRecords.SingleAsync();
        Assert.Equal(71000m, latest.PriceUsd);
    }

    [Fact]
    public async Task An_unchanged_file_is_skipped_on_the_next_run()
    {
        var folder = TestFiles.CreateFolder(("prices.csv", "symbol,price_usd\nBTC,70000\nETH,2100\n"));
        await RunCsvAsync(folder);

        var second = await RunCsvAsync(folder);

        Assert.Equal(EtlRunStatus.Success, second.Status);
        Assert.Equal(0, second.Counts.Fetched);
        Assert.Equal(2, await database.ScalarAsync<int>("SELECT count(*) FROM price_history"));
    }

    [Fact]
    public async Task A_half_read_file_resumes_after_its_last_committed_row()
    {
        var rows = string.Concat(Enumerable.Range(1, 10).Select(i => $"T{i},{i}.5,2026-02-01T00:00:00Z\n"));
        var folder = TestFiles.CreateFolder(("prices.csv", "symbol,price_usd,created_at\n" + rows));
        var failing = await RunCsvAsync(folder, new Dictionary<string, string?> { ["Sources:Csv:BatchSize"] = "4", ["Etl:FailAfterRecords"] = "4" });
        Assert.Equal(EtlRunStatus.Failed, failing.Status);
        Assert.Equal(4, failing.Counts.Inserted);

        var resumed = await RunCsvAsync(folder, new Dictionary<string, string?> { ["Sources:Csv:BatchSize"] = "4" });

        Assert.Equal(EtlRunStatus.Success, resumed.Status);
        Assert.Equal(6, resumed.Counts.Fetched);
        Assert.Equal(10, await database.ScalarAsync<int>("SELECT count(*) FROM normalized_records"));
        Assert.Equal(10, await database.ScalarAsync<int>(RawCsvRows.Count));
        Assert.Equal(10, await database.ScalarAsync<int>(RawCsvRows.Distinct));
        // Three batches of 4, 4 and 2 rows: one raw chunk each, named by the file's lines it holds.
        Assert.Equal("prices.csv:2-5,prices.csv:6-9,prices.csv:10-11",
            await database.ScalarAsync<string>("SELECT string_agg(source_id, ',' ORDER BY id) FROM raw_records"));
    }

    [Fact]
    public async Task A_second_file_overlapping_the_first_adds_only_its_new_observations()
    {
        var folder = TestFiles.CreateFolder(
            ("a.csv", "symbol,price_usd,created_at\nBTC,70000,2026-02-01T00:00:00Z\nBTC,71000,2026-02-02T00:00:00Z\nETH,2100,2026-02-01T00:00:00Z\n"));
        await RunCsvAsync(folder);
        File.WriteAllText(Path.Combine(folder, "b.csv"),
            "symbol,price_usd,created_at\nBTC,71000,2026-02-02T00:00:00Z\nBTC,72000,2026-02-03T00:00:00Z\nETH,2100,2026-02-01T00:00:00Z\nSOL,150,2026-02-01T00:00:00Z\n");

        var second = await RunCsvAsync(folder);

        Assert.Equal(EtlRunStatus.Success, second.Status);
        Assert.Equal((4, 1, 1, 2), (second.Counts.Fetched, second.Counts.Inserted, second.Counts.Updated, second.Counts.Unchanged));
        Assert.Equal(5, await database.ScalarAsync<int>("SELECT count(*) FROM price_history"));
        Assert.Equal(72000m, await database.ScalarAsync<decimal>("SELECT price_usd FROM normalized_records WHERE id = 'csv_BTC'"));
        Assert.Equal(150m, await database.ScalarAsync<decimal>("SELECT price_usd FROM normalized_records WHERE id = 'csv_SOL'"));
    }

    [Fact]
    public async Task A_coin_in_every_batch_of_a_file_has_its_latest_record_moved_once_by_its_last_batch()
    {
        await database.ExecuteAsync("""
            CREATE TABLE latest_record_writes (op text NOT NULL, id text NOT NULL, price numeric NOT NULL);
            CREATE FUNCTION log_latest_record_write() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO latest_record_writes VALUES (TG_OP, NEW.id, NEW.price_usd); RETURN NEW; END $$;
            CREATE TRIGGER log_latest_record_write AFTER INSERT OR UPDATE ON normalized_records
                FOR EACH ROW EXECUTE FUNCTION log_latest_record_write();
            """);
        try
        {
            // Three batches of two rows, BTC and ETH in each, an hour apart: a file of hourly snapshots.
            var folder = TestFiles.CreateFolder(("hourly.csv", "symbol,price_usd,created_at\n" + string.Concat(
                Enumerable.Range(0, 3).Select(h => $"BTC,{70000 + h},2026-02-01T0{h}:00:00Z\nETH,{2100 + h},2026-02-01T0{h}:00:00Z\n"))));

            var outcome = await RunCsvAsync(folder, new Dictionary<string, string?> { ["Sources:Csv:BatchSize"] = "2" });

            Assert.Equal((6, 2, 4, 0), (outcome.Counts.Fetched, outcome.Counts.Inserted, outcome.Counts.Updated, outcome.Counts.Unchanged));
            Assert.Equal(6, await database.ScalarAsync<int>("SELECT count(*) FROM price_history"));
            // Created by the first batch, skipped by the second (the third has newer rows), moved by the third.
            Assert.Equal("INSERT csv_BTC 70000,INSERT csv_ETH 2100,UPDATE csv_BTC 70002,UPDATE csv_ETH 2102",
                await database.ScalarAsync<string>("SELECT string_agg(op || ' ' || id || ' ' || price, ',' ORDER BY op, id) FROM latest_record_writes"));
        }
        finally
        {
            await database.ExecuteAsync("DROP TABLE latest_record_writes; DROP FUNCTION log_latest_record_write() CASCADE");
        }
    }

    [Fact]
    public async Task A_latest_record_a_failed_run_left_behind_is_moved_when_the_file_resumes()
    {
        var folder = TestFiles.CreateFolder(("hourly.csv", "symbol,price_usd,created_at\n" + string.Concat(
            Enumerable.Range(0, 3).Select(h => $"BTC,{70000 + h},2026-02-01T0{h}:00:00Z\n"))));
        var failing = await RunCsvAsync(folder, new Dictionary<string, string?> { ["Sources:Csv:BatchSize"] = "1", ["Etl:FailAfterRecords"] = "2" });
        Assert.Equal(EtlRunStatus.Failed, failing.Status);
        // Two batches committed; the second left BTC's record to the third, which the failure stopped.
        Assert.Equal(2, await database.ScalarAsync<int>("SELECT count(*) FROM price_history"));
        Assert.Equal(70000m, await database.ScalarAsync<decimal>("SELECT price_usd FROM normalized_records WHERE id = 'csv_BTC'"));

        var resumed = await RunCsvAsync(folder, new Dictionary<string, string?> { ["Sources:Csv:BatchSize"] = "1" });

        Assert.Equal(EtlRunStatus.Success, resumed.Status);
        Assert.Equal(1, resumed.Counts.Fetched);
        Assert.Equal(3, await database.ScalarAsync<int>("SELECT count(*) FROM price_history"));
        Assert.Equal(70002m, await database.ScalarAsync<decimal>("SELECT price_usd FROM normalized_records WHERE id = 'csv_BTC'"));
    }

    [Fact]
    public async Task An_assets_market_cap_is_the_largest_its_file_showed_once_the_file_is_read()
    {
        var folder = TestFiles.CreateFolder(("hourly.csv", "symbol,price_usd,market_cap_usd,created_at\n" +
            "BTC,70000,1000,2026-02-01T00:00:00Z\nBTC,70001,3000,2026-02-01T01:00:00Z\nBTC,70002,2000,2026-02-01T02:00:00Z\n"));

        var outcome = await RunCsvAsync(folder, new Dictionary<string, string?> { ["Sources:Csv:BatchSize"] = "1" });

        Assert.Equal(EtlRunStatus.Success, outcome.Status);
        Assert.Equal(3000m, await database.ScalarAsync<decimal>("SELECT market_cap_usd FROM assets"));
    }

    [Fact]
    public async Task A_row_repeated_in_a_later_batch_of_the_same_file_is_counted_unchanged()
    {
        var folder = TestFiles.CreateFolder(("prices.csv",
            "symbol,price_usd,created_at\nBTC,70000,2026-02-01T00:00:00Z\nETH,2100,2026-02-01T00:00:00Z\n" +
            "BTC,70000,2026-02-01T00:00:00Z\nBTC,71000,2026-02-02T00:00:00Z\nBTC,71000,2026-02-02T00:00:00Z\n"));

        var outcome = await RunCsvAsync(folder, new Dictionary<string, string?> { ["Sources:Csv:BatchSize"] = "2" });

        Assert.Equal(EtlRunStatus.Success, outcome.Status);
        Assert.Equal((5, 2, 1, 2), (outcome.Counts.Fetched, outcome.Counts.Inserted, outcome.Counts.Updated, outcome.Counts.Unchanged));
        Assert.Equal(3, await database.ScalarAsync<int>("SELECT count(*) FROM price_history"));
        Assert.Equal(71000m, await database.ScalarAsync<decimal>("SELECT price_usd FROM normalized_records WHERE id = 'csv_BTC'"));
        Assert.Equal(5, await database.ScalarAsync<int>(RawCsvRows.Count));
    }

    [Fact]
    public async Task Each_row_is_stored_under_its_own_coin_with_its_own_values_when_coins_interleave_within_and_across_batches()
    {
        // Three coins interleaved, out of time order, a repeat within a batch (the first read wins) and batches of 4, so a
        // coin's rows are split over batches and each batch meets its coins in another order: every stored value must sit
        // under its own coin, its asset and its time, as the file says.
        var folder = TestFiles.CreateFolder(("prices.csv",
            "symbol,name,price_usd,market_cap_usd,volume_24h_usd,created_at\n" +
            "ETH,Ethereum,2100,250000000000,11,2026-02-01T02:00:00Z\n" +
            "BTC,Bitcoin,70000,1400000000000,21,2026-02-01T01:00:00Z\n" +
            "SOL,Solana,150,,31,2026-02-01T00:00:00Z\n" +
            "BTC,Bitcoin,70100,1400000000001,22,2026-02-01T00:00:00Z\n" +
            "SOL,Solana,151,70000000000,,2026-02-01T01:00:00Z\n" +
            "ETH,Ethereum,2101,250000000001,12,2026-02-01T01:00:00Z\n" +
            "ETH,Ethereum,2999,1,1,2026-02-01T01:00:00Z\n" +
            "BTC,Bitcoin,70200,1400000000002,23,2026-02-01T02:00:00Z\n" +
            "SOL,Solana,152,70000000002,32,2026-02-01T02:00:00Z\n"));

        var outcome = await RunCsvAsync(folder, new Dictionary<string, string?> { ["Sources:Csv:BatchSize"] = "4" });

        Assert.Equal(EtlRunStatus.Success, outcome.Status);
        Assert.Equal((9, 3, 5, 1), (outcome.Counts.Fetched, outcome.Counts.Inserted, outcome.Counts.Updated, outcome.Counts.Unchanged));
        Assert.Equal(
            "BTC btc-bitcoin 00 70100 1400000000001 22|BTC btc-bitcoin 01 70000 1400000000000 21|BTC btc-bitcoin 02 70200 1400000000002 23|" +
            "ETH eth-ethereum 01 2101 250000000001 12|ETH eth-ethereum 02 2100 250000000000 11|" +
            "SOL sol-solana 00 150 - 31|SOL sol-solana 01 151 70000000000 -|SOL sol-solana 02 152 70000000002 32",
            await database.ScalarAsync<string>("""
                SELECT string_agg(concat_ws(' ', source_id, asset_id, to_char(observed_at AT TIME ZONE 'UTC', 'HH24'), price_usd,
                                            coalesce(market_cap_usd::text, '-'), coalesce(volume_24h_usd::text, '-')), '|' ORDER BY source_id, observed_at)
                  FROM price_history
                """));
        Assert.Equal("csv_BTC btc-bitcoin 70200|csv_ETH eth-ethereum 2100|csv_SOL sol-solana 152",
            await database.ScalarAsync<string>("SELECT string_agg(concat_ws(' ', id, asset_id, price_usd), '|' ORDER BY id) FROM normalized_records"));
    }

    [Fact]
    public async Task A_row_already_in_history_past_its_coins_latest_record_is_counted_unchanged_and_the_file_still_loads()
    {
        var folder = TestFiles.CreateFolder(("a.csv", "symbol,price_usd,created_at\nBTC,70000,2026-02-01T00:00:00Z\n"));
        await RunCsvAsync(folder);
        // History past the latest record, as a backfill or a run that failed inside a file leaves it: the writer's
        // guess from the latest records does not see it, so the copy meets the key and the batch goes the staged way.
        await database.ExecuteAsync(
            "INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, is_backfill) VALUES ('csv', 'BTC', '2026-02-03T00:00:00Z', 'btc', 71500, true)");
        File.WriteAllText(Path.Combine(folder, "b.csv"),
            "symbol,price_usd,created_at\nBTC,71000,2026-02-02T00:00:00Z\nBTC,71500,2026-02-03T00:00:00Z\nBTC,72000,2026-02-04T00:00:00Z\n");

        var second = await RunCsvAsync(folder);

        Assert.Equal(EtlRunStatus.Success, second.Status);
        Assert.Equal((3, 0, 2, 1), (second.Counts.Fetched, second.Counts.Inserted, second.Counts.Updated, second.Counts.Unchanged));
        Assert.Equal(4, await database.ScalarAsync<int>("SELECT count(*) FROM price_history"));
        Assert.Equal(72000m, await database.ScalarAsync<decimal>("SELECT price_usd FROM normalized_records WHERE id = 'csv_BTC'"));
    }

    [Fact]
    public async Task An_observation_another_writer_commits_during_the_copy_is_kept_and_the_batch_still_loads()
    {
        var folder = TestFiles.CreateFolder(("prices.csv", "symbol,price_usd,created_at\nBTC,70000,2026-02-01T00:00:00Z\nETH,2100,2026-02-01T00:00:00Z\n"));
        // Another writer (a backfill, say) holds the same observation uncommitted: the batch's check cannot see it, so
        // the batch copies straight in and its copy waits on the key until the other transaction ends.
        await using var other = new NpgsqlConnection(database.ConnectionString);
        await other.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, is_backfill) VALUES ('csv', 'BTC', '2026-02-01T00:00:00Z', 'other', 1, true)",
            other, transaction))
        {
            await insert.ExecuteNonQueryAsync();
        }

        var run = RunCsvAsync(folder);
        await Poll.UntilAsync(
            async () => run.IsCompleted || await database.ScalarAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND cardinality(pg_blocking_pids(pid)) > 0") > 0,
            TimeSpan.FromSeconds(30), "the batch's copy to wait for the other writer");
        Assert.False(run.IsCompleted, "the run did not wait for the other writer's uncommitted row");
        await transaction.CommitAsync();

        var outcome = await run;

        Assert.Equal(EtlRunStatus.Success, outcome.Status);
        Assert.Equal((2, 1, 0, 1), (outcome.Counts.Fetched, outcome.Counts.Inserted, outcome.Counts.Updated, outcome.Counts.Unchanged));
        // The other writer's observation is kept (price 1); the asset is kept per series, and the batch moves the
        // series to the asset its resolver gives the coin.
        Assert.Equal("1:btc-btc,2100:eth-eth", await database.ScalarAsync<string>(
            "SELECT string_agg(round(price_usd)::text || ':' || asset_id, ',' ORDER BY price_usd) FROM price_history"));
    }
}
