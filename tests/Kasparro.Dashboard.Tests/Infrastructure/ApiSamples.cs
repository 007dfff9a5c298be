namespace Kasparro.Dashboard.Tests.Infrastructure;

/// <summary>Response bodies shaped exactly as docs/api-contract.md shows them (snake_case, ISO 8601 UTC).</summary>
public static class ApiSamples
{
    /// <summary><c>GET /sources</c>: every source the API knows, in its order, with names for people.</summary>
    public const string Sources = """
        {"items": [
          {"source": "coinpaprika", "on_drift": "evolve", "paused": false, "paused_at": null, "pause_reason": null, "paused_run_id": null,
           "resumed_at": null, "resumed_by": null, "freshness": {"status": "ok", "age_seconds": 240, "warn_after_seconds": 1800, "error_after_seconds": 7200},
           "display_name": "CoinPaprika", "snapshot": true},
          {"source": "coingecko", "on_drift": "evolve", "paused": false, "paused_at": null, "pause_reason": null, "paused_run_id": null,
           "resumed_at": null, "resumed_by": null, "freshness": {"status": "ok", "age_seconds": 240, "warn_after_seconds": 1800, "error_after_seconds": 7200},
           "display_name": "CoinGecko", "snapshot": true},
          {"source": "csv", "on_drift": "evolve", "paused": false, "paused_at": null, "pause_reason": null, "paused_run_id": null,
           "resumed_at": null, "resumed_by": null, "freshness": {"status": "ok", "age_seconds": 60, "warn_after_seconds": 1200, "error_after_seconds": 3600},
           "display_name": "CSV", "snapshot": true},
          {"source": "coingecko-history", "on_drift": "evolve", "paused": false, "paused_at": null, "pause_reason": null, "paused_run_id": null,
           "resumed_at": null, "resumed_by": null, "freshness": {"status": "ok", "age_seconds": 600, "warn_after_seconds": 10800, "error_after_seconds": 86400},
           "display_name": "CoinGecko history", "snapshot": false}
        ]}
        """;

    public const string Stats = """
        {
          "coinpaprika": {"last_success": "2025-03-29T10:26:00Z", "last_failure": null, "last_duration_ms": 2100,
                          "total_runs": 40, "successful_runs": 40, "failed_runs": 0, "total_processed": 10000,
                          "total_failed": 0, "total_quarantined": 0, "state": "idle", "current_run_id": null},
          "coingecko": {"last_success": "2025-03-29T07:30:00Z", "last_failure": "2025-03-29T10:00:00Z", "last_duration_ms": 5120,
                        "total_runs": 12, "successful_runs": 11, "failed_runs": 1, "total_processed": 3000,
                        "total_failed": 2, "total_quarantined": 2, "state": "running", "current_run_id": 43},
          "csv": {"last_success": null, "last_failure": null, "last_duration_ms": null, "total_runs": 0,
                  "successful_runs": 0, "failed_runs": 0, "total_processed": 0, "total_failed": 0,
                  "total_quarantined": 0, "state": "idle", "current_run_id": null}
        }
        """;

    public static string Run(long id, string source = "coingecko", string status = "success", long fetched = 250, long durationMs = 5120, string? error = null, string startedAt = "2025-03-29T10:22:50Z") => $$"""
        {"id": {{id}}, "source": "{{source}}", "status": "{{status}}", "trigger": "schedule", "trigger_id": null,
         "started_at": "{{startedAt}}", "finished_at": "2025-03-29T10:22:55Z", "duration_ms": {{durationMs}},
         "fetched": {{fetched}}, "inserted": 3, "updated": 10, "unchanged": {{fetched - 13}}, "quarantined": 0,
         "requests": 2, "retries": 0, "error_message": {{(error is null ? "null" : "\"" + error + "\"")}}, "worker": "host-1234"}
        """;

    public static string Page(params string[] rows) => Page(rows.Length, rows);

    public static string Page(long total, params string[] rows) =>
        "{\"data\": [" + string.Join(",", rows) + $"], \"pagination\": {{\"limit\": 50, \"offset\": 0, \"returned\": {rows.Length}, \"total\": {total}}}}}";

    public const string EmptyPage = """{"data": [], "pagination": {"limit": 50, "offset": 0, "returned": 0, "total": 0}}""";

    public const string Bitcoin = """{"id": "btc-bitcoin", "symbol": "BTC", "name": "Bitcoin", "market_cap_usd": 1656538234098, "source_count": 3}""";

    public const string Ethereum = """{"id": "eth-ethereum", "symbol": "ETH", "name": "Ethereum", "market_cap_usd": 220000000000, "source_count": 2}""";

    public const string DataRecord = """
        {"id": "coingecko_bitcoin", "asset_id": "btc-bitcoin", "ticker": "BTC", "name": "Bitcoin",
         "price_usd": 83476.12345678901, "market_cap_usd": 1656538234098, "volume_24h_usd": 21416038166,
         "percent_change_24h": -1.99671, "source": "coingecko",
         "created_at": "2025-03-29T10:22:52.578Z", "ingested_at": "2025-03-29T10:23:01.002Z"}
        """;

    public const string Divergence = """
        {"asset_id": "usdt-tether", "symbol": "USDT", "name": "Tether", "source_count": 3,
         "min_price_usd": 0.9991, "max_price_usd": 1.0171, "divergence_pct": 1.8}
        """;

    public const string BitcoinDetail = """
        {"id": "btc-bitcoin", "symbol": "BTC", "name": "Bitcoin", "market_cap_usd": 1656538234098,
         "mappings": [
           {"source": "coingecko", "source_id": "bitcoin", "rule": "symbol_name", "confidence": 0.95, "is_manual": false, "linked_at": "2025-03-01T00:00:00Z"},
           {"source": "coinpaprika", "source_id": "btc-bitcoin", "rule": "new_asset", "confidence": 1.0, "is_manual": false, "linked_at": "2025-03-01T00:00:00Z"}],
         "latest": [
           {"source": "coingecko", "source_id": "bitcoin", "price_usd": 83476, "market_cap_usd": 1656538234098, "volume_24h_usd": 21416038166, "percent_change_24h": -1.99, "created_at": "2025-03-29T10:22:52Z"},
           {"source": "coinpaprika", "source_id": "btc-bitcoin", "price_usd": 83465, "market_cap_usd": 1656000000000, "volume_24h_usd": 21000000000, "percent_change_24h": -2.01, "created_at": "2025-03-29T10:25:00Z"}],
         "divergence": {"reference_price_usd": 83470.5, "max_divergence_pct": 0.0066,
                        "per_source": [{"source": "coingecko", "price_usd": 83476, "divergence_pct": 0.0066},
                                       {"source": "coinpaprika", "price_usd": 83465, "divergence_pct": -0.0066}]}}
        """;

    public const string BitcoinHistory = """
        {"asset_id": "btc-bitcoin", "from": "2025-02-27T10:30:00Z", "to": "2025-03-29T10:30:00Z", "interval": "1h",
         "series": [
           {"source": "coingecko", "points": [
             {"t": "2025-03-29T08:00:00Z", "price_usd": 83000, "market_cap_usd": 1650000000000, "volume_24h_usd": 21000000000},
             {"t": "2025-03-29T09:00:00Z", "price_usd": 83200, "market_cap_usd": 1652000000000, "volume_24h_usd": 21100000000},
             {"t": "2025-03-29T10:00:00Z", "price_usd": 83476, "market_cap_usd": 1656538234098, "volume_24h_usd": 21416038166}]},
           {"source": "coinpaprika", "points": [
             {"t": "2025-03-29T08:00:00Z", "price_usd": 82990, "market_cap_usd": 1649000000000, "volume_24h_usd": 20900000000},
             {"t": "2025-03-29T09:00:00Z", "price_usd": 83210, "market_cap_usd": 1651000000000, "volume_24h_usd": 21000000000}]}]}
        """;

    public const string BitcoinCandles = """
        {"asset_id": "btc-bitcoin", "interval": "1h", "from": "2025-02-27T10:00:00Z", "to": "2025-03-29T11:00:00Z",
         "series": [
           {"source": "coingecko", "candles": [
             {"t": "2025-03-29T08:00:00Z", "open": 82950, "high": 83100, "low": 82900.5, "close": 83000, "volume_24h_usd": 21000000000, "points": 6},
             {"t": "2025-03-29T09:00:00Z", "open": 83000, "high": 83300, "low": 82990, "close": 83200, "volume_24h_usd": 21100000000, "points": 6},
             {"t": "2025-03-29T10:00:00Z", "open": 83200, "high": 83500, "low": 83150, "close": 83476, "volume_24h_usd": 21416038166, "points": 3}]},
           {"source": "coinpaprika", "candles": [
             {"t": "2025-03-29T08:00:00Z", "open": 82940, "high": 83050, "low": 82900, "close": 82990, "volume_24h_usd": 20900000000, "points": 12}]}]}
        """;

    public const string EmptyHistory = """
        {"asset_id": "btc-bitcoin", "from": "2025-03-28T10:30:00Z", "to": "2025-03-29T10:30:00Z", "interval": "raw", "series": []}
        """;

    public const string Drift = """
        {"id": 7, "source": "coingecko", "field": "current_price", "kind": "renamed", "severity": "warning",
         "suggestion": "price", "confidence": 0.82, "first_seen": "2025-03-29T09:00:00Z", "last_seen": "2025-03-29T10:22:00Z",
         "count": 3, "first_run_id": 41, "last_run_id": 43}
        """;

    public const string Quarantined = """
        {"id": 11, "source": "csv", "run_id": 40, "source_id": "row-17", "location": "line 17",
         "reason": "price_usd is not a number", "raw_content": "XYZ,Xyz,abc", "quarantined_at": "2025-03-29T09:10:00Z"}
        """;
}
