using Kasparro.Data;

namespace Kasparro.Bench;

/// <summary>
/// The read benchmark's data, made in SQL (generate_series is the fastest way in): 570 assets tracked by two
/// sources with a year of hourly history each (2 x 570 x 8,760 = 9,986,400 observations), and the latest
/// records of 20,000 coins per source in normalized_records, as a CoinGecko sweep of 20,000 coins leaves them.
/// </summary>
public static class ReadSeed
{
    public const int Assets = 570;
    public const int HourlyPoints = 8_760;
    public const int CoinsPerSource = 20_000;

    public static string Sql(DateTimeOffset now) => $$"""
        INSERT INTO assets (id, symbol, name, market_cap_usd, created_at, updated_at)
        SELECT CASE WHEN a = 1 THEN 'btc-bitcoin' ELSE format('a%s-coin-%s', a, a) END,
               CASE WHEN a = 1 THEN 'BTC' ELSE format('A%s', a) END,
               CASE WHEN a = 1 THEN 'Bitcoin' ELSE format('Coin %s', a) END,
               1e12 / a, now(), now()
          FROM generate_series(1, {{Assets}}) a;

        INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, linked_at)
        SELECT s.source, format('%s-%s', s.source, a), CASE WHEN a = 1 THEN 'btc-bitcoin' ELSE format('a%s-coin-%s', a, a) END,
               'symbol_name', 1, false, now()
          FROM generate_series(1, {{Assets}}) a CROSS JOIN (VALUES ('coingecko'), ('coinpaprika')) s(source);

        INSERT INTO normalized_records (id, source, source_id, asset_id, ticker, name, price_usd, market_cap_usd, volume_24h_usd,
                                        percent_change_24h, created_at, ingested_at)
        SELECT format('%s_%s-%s', s.source, s.source, c), s.source, format('%s-%s', s.source, c),
               CASE WHEN c = 1 THEN 'btc-bitcoin' WHEN c <= {{Assets}} THEN format('a%s-coin-%s', c, c) END,
               CASE WHEN c = 1 THEN 'BTC' ELSE format('A%s', c) END, format('Coin %s', c),
               1000.0 / c, 1e12 / c, 1e9 / c, (c % 20) - 10, TIMESTAMPTZ '{{now:O}}', TIMESTAMPTZ '{{now:O}}'
          FROM generate_series(1, {{CoinsPerSource}}) c CROSS JOIN (VALUES ('coingecko'), ('coinpaprika')) s(source);

        INSERT INTO price_series (source, source_id, asset_id)
        SELECT s.source, format('%s-%s', s.source, a), CASE WHEN a = 1 THEN 'btc-bitcoin' ELSE format('a%s-coin-%s', a, a) END
          FROM generate_series(1, {{Assets}}) a CROSS JOIN (VALUES ('coingecko'), ('coinpaprika')) s(source);

        SELECT ensure_price_points_partitions(array(
            SELECT TIMESTAMPTZ '{{now:O}}' - make_interval(days => d) FROM generate_series(0, {{HourlyPoints / 24 + 31}}) d));

        INSERT INTO price_points (observed_at, series_id, is_backfill, price_usd, market_cap_usd, volume_24h_usd)
        SELECT TIMESTAMPTZ '{{now:O}}' - make_interval(hours => h), s.id, true,
               round((1000.0 / a * (1 + 0.05 * sin((h + a) / 24.0)))::numeric, 8),
               -- Market cap and volume move too (as real ones do), so responses compress like real ones.
               round((1e12 / a * (1 + 0.05 * sin((h + a) / 24.0)))::numeric, 2),
               round((1e9 / a * (1 + 0.5 * sin((h * 7 + a) / 5.0)))::numeric, 2)
          FROM price_series s
         CROSS JOIN LATERAL (SELECT split_part(s.source_id, '-', 2)::int AS a) n
         CROSS JOIN generate_series({{HourlyPoints - 1}}, 0, -1) h;
        """;

    /// <summary>
    /// What the ingestion's rollup step does for the queued days, done per series over the span of its queued days in
    /// one transaction, removing the entries it took by id (recomputing a day that was not queued gives the rows it already has): the seed queues every day
    /// of every series, and a database seeded before the rollups existed has them all queued by their migration.
    /// </summary>
    public static readonly string RollUpQueuedSql = $"""
        BEGIN;
        CREATE TEMP TABLE taken ON COMMIT DROP AS SELECT id, series_id, day FROM price_rollup_queue;
        CREATE TEMP TABLE queued_spans ON COMMIT DROP AS
            SELECT series_id, min(day) AS from_day, max(day) + interval '1 day' AS to_day FROM taken GROUP BY series_id;
        DELETE FROM price_rollups_1h r USING queued_spans q
         WHERE r.series_id = q.series_id AND r.day >= (q.from_day AT TIME ZONE 'UTC')::date AND r.day < (q.to_day AT TIME ZONE 'UTC')::date;
        DELETE FROM price_rollups_1d r USING queued_spans q WHERE r.series_id = q.series_id AND r.bucket >= q.from_day AND r.bucket < q.to_day;
        {HistoryRollups.InsertHours("SELECT b.* FROM queued_spans q CROSS JOIN LATERAL price_rollup_buckets('1 hour', ARRAY[q.series_id], q.from_day, q.to_day) b")};
        INSERT INTO price_rollups_1d
            SELECT b.* FROM queued_spans q CROSS JOIN LATERAL price_rollup_buckets('1 day', ARRAY[q.series_id], q.from_day, q.to_day) b;
        DELETE FROM price_rollup_queue WHERE id IN (SELECT id FROM taken);
        COMMIT;
        """;
}
