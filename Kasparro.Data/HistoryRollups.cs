namespace Kasparro.Data;

/// <summary>
/// The price history's hourly and daily rollups (migration <c>PriceRollups</c>): per series and bucket, the open, high,
/// low and close of the price, the market cap and volume of the bucket's last point, the number of points and the first
/// and last point's time (to merge several series of one source). Kept exact after commit: writes to
/// <see cref="HistoryStorage.PointsTable"/> queue the (series, UTC day) they touch in <see cref="QueueTable"/> within
/// their own transaction; the ingestion's rollup step recomputes each queued day from the raw points with
/// <see cref="BucketsFunction"/> and removes its entry in the same transaction. Readers take a bucket from the rollup
/// table unless its day is still queued, and compute those few from the raw points with the same function.
/// </summary>
public static class HistoryRollups
{
    /// <summary>Hourly rollups.</summary>
    public const string Hourly = "price_rollups_1h";

    /// <summary>Daily (UTC) rollups.</summary>
    public const string Daily = "price_rollups_1d";

    /// <summary>Both rollup tables.</summary>
    public static readonly string[] Tables = [Hourly, Daily];

    /// <summary>
    /// The (series, UTC day) pairs whose rollups wait for recomputation: an entry (with an increasing id) per write, not
    /// unique, so writers never wait for each other here; the rollup step removes the entries it took, by id.
    /// </summary>
    public const string QueueTable = "price_rollup_queue";

    /// <summary>
    /// <c>price_rollup_buckets(width interval, series integer[], from_time, to_time)</c>: the rollup rows of the given
    /// series' points in [from_time, to_time), computed from the raw points.
    /// </summary>
    public const string BucketsFunction = "price_rollup_buckets";

    /// <summary>The rollup table of a bucket width (1 hour or 1 day), or null when there is none.</summary>
    public static string? TableFor(TimeSpan width) =>
        width == TimeSpan.FromHours(1) ? Hourly : width == TimeSpan.FromDays(1) ? Daily : null;
}
