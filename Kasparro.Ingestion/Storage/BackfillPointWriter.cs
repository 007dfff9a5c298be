using Kasparro.Data;
using Kasparro.Ingestion.Backfill;
using Kasparro.Ingestion.Pipeline;
using Kasparro.Ingestion.Sources;
using Npgsql;
using NpgsqlTypes;

namespace Kasparro.Ingestion.Storage;

/// <summary>
/// Writes a backfill's points: one market chart into the price history only (the normalized latest records belong to the snapshots):
/// binary COPY into a staging table, then one statement that adds the points that are new. Points land under
/// source <c>coingecko</c>, the same series as the snapshots, with <c>is_backfill = true</c>. The answer itself
/// is kept verbatim in <c>raw_records</c> (source <c>coingecko-history</c>), rejected points go to quarantine.
/// </summary>
public static class BackfillPointWriter
{
    private const string CreateStage = """
        CREATE TEMP TABLE IF NOT EXISTS backfill_stage (
            observed_at timestamptz NOT NULL, price numeric NOT NULL, market_cap numeric, volume numeric
        ) ON COMMIT DELETE ROWS
        """;

    // Counting (fetched = inserted + unchanged + quarantined; a backfill never updates): a point is unchanged when
    // the history already holds it (same timestamp), when it repeats within the answer, or when a live snapshot
    // already stands for its time bucket (within half the chart's spacing), so snapshots are never duplicated.
    private const string Merge = """
        WITH s AS (
            SELECT DISTINCT ON (observed_at) * FROM backfill_stage ORDER BY observed_at
        ),
        raw AS (
            INSERT INTO raw_records (source, source_id, source_timestamp, content_hash, payload, run_id, ingested_at)
            VALUES (@history, @id, @last, @hash, @payload, @run, @now)
            ON CONFLICT (source, content_hash) DO NOTHING
            RETURNING 1
        ),
        hist AS (
            INSERT INTO price_points (observed_at, series_id, is_backfill, price_usd, market_cap_usd, volume_24h_usd)
            SELECT s.observed_at, @series, true, s.price, s.market_cap, s.volume
              FROM s
             WHERE NOT EXISTS (
                   SELECT 1 FROM price_observations(ARRAY[@series], s.observed_at - @half, s.observed_at + @half) p
                    WHERE NOT p.is_backfill AND p.observed_at > s.observed_at - @half)
            ON CONFLICT (series_id, observed_at) DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM hist)::int, (SELECT count(*) FROM raw)::int
        """;

    public static async Task<BatchCounts> WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long runId, string coinId, string assetId,
        MarketChart chart, string payload, TimeSpan granularity, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (chart.Rejected.Count > 0)
        {
            await BulkWriter.QuarantineAsync(connection, SourceNames.CoinGeckoHistory, runId, chart.Rejected, now, cancellationToken);
        }

        await using (var create = new NpgsqlCommand(CreateStage, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var copy = await BinaryCopyWriter.BeginAsync(connection, "backfill_stage (observed_at, price, market_cap, volume)", cancellationToken))
        {
            foreach (var point in chart.Points)
            {
                await copy.StartRowAsync(4, cancellationToken);
                copy.WriteTimestampTz(point.ObservedAt);
                copy.WriteNumeric(point.PriceUsd);
                copy.WriteNumeric(point.MarketCapUsd);
                copy.WriteNumeric(point.VolumeUsd);
            }

            await copy.CompleteAsync(cancellationToken);
        }

        var series = await SeriesStore.IdsAsync(connection, transaction, SourceNames.CoinGecko,
            new Dictionary<string, string> { [coinId] = assetId }, cancellationToken);
        await SeriesStore.PrepareWriteAsync(connection, transaction, chart.Points.Select(p => (series[coinId], p.ObservedAt)), cancellationToken);
        await using var merge = new NpgsqlCommand(Merge, connection, transaction);
        merge.Parameters.AddWithValue("series", series[coinId]);
        merge.Parameters.AddWithValue("history", SourceNames.CoinGeckoHistory);
        merge.Parameters.AddWithValue("id", coinId);
        merge.Parameters.AddWithValue("run", runId);
        merge.Parameters.AddWithValue("now", now);
        merge.Parameters.AddWithValue("half", granularity / 2);
        merge.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("last", NpgsqlDbType.TimestampTz) { TypedValue = chart.Points.Count > 0 ? chart.Points.Max(p => p.ObservedAt) : null });
        merge.Parameters.AddWithValue("hash", RawPayload.HashOf(payload));
        merge.Parameters.AddWithValue("payload", NpgsqlDbType.Json, payload);
        await using var reader = await merge.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var inserted = reader.GetInt32(0);
        return new BatchCounts(chart.Received, inserted, 0, chart.Points.Count - inserted, chart.Rejected.Count);
    }
}
