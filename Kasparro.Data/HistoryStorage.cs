namespace Kasparro.Data;

/// <summary>
/// How the price history is stored (migration <c>NarrowPartitionedHistory</c>, docs/performance.md "History storage"):
/// <list type="bullet">
/// <item><c>price_series</c>: one row per (source, source id), numbered by a compact <c>integer</c> series id.</item>
/// <item><c>price_points</c>: the observations, narrow (time, series id, the three values, the backfill flag), keyed
/// by (series id, time), range-partitioned by calendar month in UTC. A partition is named
/// <c>price_points_YYYY_MM</c>; <see cref="EnsurePartitionsFunction"/> creates the ones a write needs, so a write into a
/// month never seen before (a backfill of 2019, a CSV from 2017) gets its partition instead of failing.</item>
/// <item><c>price_history</c>: a view joining both back to the original table's columns, for analysts' SQL; its
/// INSTEAD OF triggers accept inserts, updates and deletes. The services' writers use the tables directly.</item>
/// </list>
/// </summary>
public static class HistoryStorage
{
    /// <summary>The series table.</summary>
    public const string SeriesTable = "price_series";

    /// <summary>The partitioned observations table.</summary>
    public const string PointsTable = "price_points";

    /// <summary>The view with the original <c>price_history</c> columns.</summary>
    public const string View = "price_history";

    /// <summary>
    /// <c>ensure_price_points_partitions(timestamptz[]) returns integer</c>: creates the monthly partitions that hold the
    /// given times and do not exist yet (returns how many it created). Safe to call concurrently; cheap when they exist.
    /// </summary>
    public const string EnsurePartitionsFunction = "ensure_price_points_partitions";

    /// <summary>The columns of <see cref="PointsTable"/> in stored order (fixed-width first, so rows pack without padding).</summary>
    public const string PointColumns = "observed_at, series_id, is_backfill, price_usd, market_cap_usd, volume_24h_usd";

    /// <summary>The partition of <see cref="PointsTable"/> holding the month that starts at <paramref name="monthStart"/> (UTC).</summary>
    public static string PartitionName(DateTime monthStart) => $"{PointsTable}_{monthStart:yyyy_MM}";

    /// <summary>The first instant (UTC) of the month holding <paramref name="at"/>.</summary>
    public static DateTime MonthOf(DateTimeOffset at) => new(at.UtcDateTime.Year, at.UtcDateTime.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// Statements that take <paramref name="table"/>'s exclusive lock and truncate it when it holds no row and
    /// <paramref name="when"/> (SQL) is true: TRUNCATE gives back the heap and index pages VACUUM keeps. For a transaction
    /// with a lock_timeout set, so readers and writers of the table wait at most that long.
    /// </summary>
    public static string TruncateWhenEmpty(string table, string when = "true") => $"""
        LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE;
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM {table}) AND ({when}) THEN
                TRUNCATE {table};
            END IF;
        END $$;
        """;
}
