namespace Kasparro.Data;

/// <summary>
/// The one definition of divergence, shared by <c>GET /divergences</c> and the divergence alert rule: the spread of
/// the sources' latest positive prices of an asset, <c>(max - min) / min * 100</c>, for assets with two or more sources.
/// </summary>
public static class DivergenceSql
{
    /// <summary>A query (to wrap as a subquery) with columns asset_id, symbol, name, sources, min_price_usd, max_price_usd, divergence_pct.</summary>
    public const string PerAsset = """
        WITH latest AS (
            SELECT DISTINCT ON (asset_id, source) asset_id, source, price_usd
            FROM normalized_records
            WHERE asset_id IS NOT NULL AND price_usd > 0
            ORDER BY asset_id, source, created_at DESC
        )
        SELECT l.asset_id, a.symbol, a.name, count(*)::int AS sources, min(l.price_usd) AS min_price_usd, max(l.price_usd) AS max_price_usd,
               ((max(l.price_usd) - min(l.price_usd)) / min(l.price_usd) * 100)::float8 AS divergence_pct
        FROM latest l JOIN assets a ON a.id = l.asset_id
        GROUP BY l.asset_id, a.symbol, a.name
        HAVING count(*) >= 2
        """;
}
