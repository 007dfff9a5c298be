using System.Security.Cryptography;
using System.Text;
using Kasparro.Ingestion.Sources;
using Npgsql;
using NpgsqlTypes;

namespace Kasparro.Ingestion.Pipeline;

/// <summary>A normalized record ready to write, with its canonical asset.</summary>
public sealed record ResolvedRecord(string SourceId, string AssetId, MarketValues Values, string RawPayload);

/// <summary>
/// The one bulk writer: binary COPY of a batch into a session staging table, then one set-based statement
/// that writes raw payloads, price history and the normalized latest records and counts what changed.
/// No per-row round trips; everything runs in the caller's transaction, with the checkpoint and run counts.
/// </summary>
public static class BulkWriter
{
    private const int MaxQuarantinedContent = 1024 * 1024;

    private const string CreateStage = """
        CREATE TEMP TABLE IF NOT EXISTS etl_stage (
            ord int NOT NULL, source_id text NOT NULL, asset_id text NOT NULL, ticker text NOT NULL, name text,
            price numeric NOT NULL, market_cap numeric, volume numeric, pct numeric,
            observed_at timestamptz NOT NULL, content_hash text NOT NULL, payload jsonb NOT NULL
        ) ON COMMIT DELETE ROWS;
        -- The merge sorts the batch three ways; at the default 4 MB each sort of a 20,000-row batch spills to disk,
        -- which halved the load rate (bench/ load, docs/performance.md). Only this transaction gets the larger budget.
        SET LOCAL work_mem = '64MB'
        """;

    // Counting rules (fetched = inserted + updated + unchanged + quarantined):
    //  - unchanged: the observation (source id, source timestamp) was already stored, or repeats within the batch;
    //  - inserted: the first new observation of a source id never seen before;
    //  - updated: any other new observation (the history gains a point; the latest record moves forward).
    private const string Merge = """
        WITH s AS (
            SELECT DISTINCT ON (source_id, observed_at) * FROM etl_stage ORDER BY source_id, observed_at, ord
        ),
        raw AS (
            INSERT INTO raw_records (source, source_id, source_timestamp, content_hash, payload, run_id, ingested_at)
            SELECT DISTINCT ON (content_hash) @source, source_id, observed_at, content_hash, payload, @run, @now
              FROM etl_stage ORDER BY content_hash, ord
            ON CONFLICT (source, content_hash) DO NOTHING
            RETURNING 1
        ),
        known AS (
            SELECT n.source_id FROM normalized_records n
             WHERE n.source = @source AND n.source_id IN (SELECT DISTINCT source_id FROM etl_stage)
        ),
        hist AS (
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill, run_id)
            SELECT @source, source_id, observed_at, asset_id, price, market_cap, volume, @backfill, @run FROM s
            ON CONFLICT (source, source_id, observed_at) DO NOTHING
            RETURNING source_id, observed_at
        ),
        latest AS (
            SELECT DISTINCT ON (source_id) * FROM s ORDER BY source_id, observed_at DESC, ord DESC
        ),
        upsert AS (
            INSERT INTO normalized_records (id, source, source_id, asset_id, ticker, name, price_usd, market_cap_usd,
                                            volume_24h_usd, percent_change_24h, created_at, ingested_at)
            SELECT @source || '_' || source_id, @source, source_id, asset_id, ticker, name, price, market_cap, volume, pct, observed_at, @now
              FROM latest
            ON CONFLICT (id) DO UPDATE
               SET asset_id = EXCLUDED.asset_id, ticker = EXCLUDED.ticker, name = EXCLUDED.name, price_usd = EXCLUDED.price_usd,
                   market_cap_usd = EXCLUDED.market_cap_usd, volume_24h_usd = EXCLUDED.volume_24h_usd,
                   percent_change_24h = EXCLUDED.percent_change_24h, created_at = EXCLUDED.created_at, ingested_at = EXCLUDED.ingested_at
             WHERE normalized_records.created_at < EXCLUDED.created_at
            RETURNING 1
        ),
        new_obs AS (
            SELECT h.source_id IN (SELECT source_id FROM known) AS was_known,
                   row_number() OVER (PARTITION BY h.source_id ORDER BY h.observed_at) AS rn
              FROM hist h
        )
        SELECT count(*) FILTER (WHERE NOT was_known AND rn = 1)::int,
               count(*) FILTER (WHERE was_known OR rn > 1)::int,
               ((SELECT count(*) FROM etl_stage) - count(*))::int,
               (SELECT count(*) FROM upsert)::int
          FROM new_obs
        """;

    public static async Task<BatchCounts> WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string source, long runId,
        IReadOnlyList<ResolvedRecord> records, IReadOnlyList<SourceRecord> rejected, bool isBackfill, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var counts = new BatchCounts(records.Count + rejected.Count, 0, 0, 0, rejected.Count);
        if (rejected.Count > 0)
        {
            await QuarantineAsync(connection, source, runId, rejected, now, cancellationToken);
        }

        if (records.Count == 0)
        {
            return counts;
        }

        await using (var create = new NpgsqlCommand(CreateStage, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var importer = await connection.BeginBinaryImportAsync(
            "COPY etl_stage (ord, source_id, asset_id, ticker, name, price, market_cap, volume, pct, observed_at, content_hash, payload) FROM STDIN (FORMAT BINARY)",
            cancellationToken))
        {
            for (var i = 0; i < records.Count; i++)
            {
                var record = records[i];
                var values = record.Values;
                await importer.StartRowAsync(cancellationToken);
                await importer.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken);
                await importer.WriteAsync(record.SourceId, NpgsqlDbType.Text, cancellationToken);
                await importer.WriteAsync(record.AssetId, NpgsqlDbType.Text, cancellationToken);
                await importer.WriteAsync(values.Ticker, NpgsqlDbType.Text, cancellationToken);
                await WriteNullableAsync(importer, values.Name, NpgsqlDbType.Text, cancellationToken);
                await importer.WriteAsync(values.PriceUsd, NpgsqlDbType.Numeric, cancellationToken);
                await WriteNullableAsync(importer, values.MarketCapUsd, NpgsqlDbType.Numeric, cancellationToken);
                await WriteNullableAsync(importer, values.Volume24hUsd, NpgsqlDbType.Numeric, cancellationToken);
                await WriteNullableAsync(importer, values.PercentChange24h, NpgsqlDbType.Numeric, cancellationToken);
                await importer.WriteAsync(values.ObservedAt, NpgsqlDbType.TimestampTz, cancellationToken);
                await importer.WriteAsync(ContentHash(record.RawPayload), NpgsqlDbType.Text, cancellationToken);
                await importer.WriteAsync(record.RawPayload, NpgsqlDbType.Jsonb, cancellationToken);
            }

            await importer.CompleteAsync(cancellationToken);
        }

        await using var merge = new NpgsqlCommand(Merge, connection, transaction);
        merge.Parameters.AddWithValue("source", source);
        merge.Parameters.AddWithValue("run", runId);
        merge.Parameters.AddWithValue("now", now);
        merge.Parameters.AddWithValue("backfill", isBackfill);
        await using var reader = await merge.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return counts with { Inserted = reader.GetInt32(0), Updated = reader.GetInt32(1), Unchanged = reader.GetInt32(2) };
    }

    /// <summary>SHA-256 of the payload text as received, hex: identical payloads are stored once.</summary>
    public static string ContentHash(string payload)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(payload), hash);
        return Convert.ToHexStringLower(hash);
    }

    private static async Task QuarantineAsync(NpgsqlConnection connection, string source, long runId, IReadOnlyList<SourceRecord> rejected, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var importer = await connection.BeginBinaryImportAsync(
            "COPY quarantined_records (source, run_id, source_id, location, reason, raw_content, quarantined_at) FROM STDIN (FORMAT BINARY)",
            cancellationToken);
        foreach (var record in rejected)
        {
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(source, NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(runId, NpgsqlDbType.Bigint, cancellationToken);
            await WriteNullableAsync(importer, StorableText(record.SourceId), NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(StorableText(record.Location) ?? "", NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(StorableText(record.RejectReason) ?? "rejected", NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(StorableText(record.RawPayload) ?? "", NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken);
        }

        await importer.CompleteAsync(cancellationToken);
    }

    /// <summary>PostgreSQL text cannot hold NUL; very large rejected rows are kept in part, saying so.</summary>
    private static string? StorableText(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (text.Length > MaxQuarantinedContent)
        {
            text = $"{text[..MaxQuarantinedContent]}… [truncated: {text.Length} characters in all]";
        }

        return text.Contains('\0') ? text.Replace('\0', '\uFFFD') : text;
    }

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type, CancellationToken cancellationToken) where T : struct =>
        value is { } v ? importer.WriteAsync(v, type, cancellationToken) : importer.WriteNullAsync(cancellationToken);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter importer, string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is not null ? importer.WriteAsync(value, type, cancellationToken) : importer.WriteNullAsync(cancellationToken);
}
