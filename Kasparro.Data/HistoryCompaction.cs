namespace Kasparro.Data;

/// <summary>
/// Cold compaction of the price history (migration <c>ColdCompaction</c>, docs/performance.md "Cold compaction"): the
/// points of a month older than <c>History:CompactAfter</c> move from <see cref="HistoryStorage.PointsTable"/> into
/// <see cref="ChunksTable"/>, one row per series and UTC day holding that day's points as parallel arrays, encoded
/// (<see cref="EncodeFunction"/>: times and values as integer deltas) and compressed by PostgreSQL. A compacted point reads
/// back exactly as it was stored (<see cref="DecodeFunction"/>), to the last digit and trailing zero. Every reader goes through <see cref="ObservationsFunction"/>, which returns
/// the points of both tables; every writer goes through <see cref="PrepareWriteFunction"/>, which moves a compacted day
/// back to rows before a write touches it, so a key is stored once, in one of the two tables.
/// </summary>
public static class HistoryCompaction
{
    /// <summary>The compacted days, partitioned by month of <c>day</c> like the points (<c>price_chunks_YYYY_MM</c>).</summary>
    public const string ChunksTable = "price_chunks";

    /// <summary>
    /// <c>price_observations(series integer[], from_time timestamptz, to_time timestamptz)</c>: the points of the given
    /// series in [from_time, to_time), from rows and from compacted days, in no particular order, with the columns of
    /// <see cref="HistoryStorage.PointColumns"/>. An inlined SQL function, so partitions and chunks are pruned by the range.
    /// </summary>
    public const string ObservationsFunction = "price_observations";

    /// <summary>
    /// <c>prepare_price_points_write(series integer[], times timestamptz[]) returns integer</c>: called by every writer in
    /// its transaction before it writes points (pairs: series id and an observation time of the batch; one pair per series
    /// and day is enough). Creates the months' partitions, holds each month's compaction lock in shared mode until the
    /// transaction ends (so a month is never compacted under a writer), and moves the compacted days the pairs fall in
    /// back to rows; returns how many points it moved back.
    /// </summary>
    public const string PrepareWriteFunction = "prepare_price_points_write";

    /// <summary>
    /// <c>price_chunk_encode(series, day, times[], is_backfill[], prices[], market_caps[], volumes[]) returns price_chunks</c>
    /// (migrations <c>EncodedChunks</c>, <c>PackedChunks</c>): the chunk row of one series' day, given its points in time
    /// order. Times are kept as microsecond deltas; each value column as integer codes at the day's common scale with each
    /// value's own scale (<c>*_codes</c>), or, when a value does not fit 62 bits that way, as its exact numeric array
    /// (<c>price_usd</c> etc.). Times and codes are bit-packed (<c>price_chunk_pack</c>: one <c>bit varying</c> a column of
    /// fixed-width zigzagged changes, the width that of the day's largest change).
    /// </summary>
    public const string EncodeFunction = "price_chunk_encode";

    /// <summary>
    /// <c>price_chunk_points(day, time_deltas, is_backfill, price_codes, price_usd, market_cap_codes, market_cap_usd,
    /// volume_codes, volume_24h_usd)</c>: the points of one chunk row (time, backfill flag, price, market cap, volume), exactly
    /// as they were stored. An inlined SQL function: every reader of the chunks goes through it (<see cref="PointsOf"/>).
    /// </summary>
    public const string DecodeFunction = "price_chunk_points";

    /// <summary>The <see cref="DecodeFunction"/> call over the chunk row aliased <paramref name="chunk"/> (use as <c>CROSS JOIN LATERAL ... u</c>).</summary>
    public static string PointsOf(string chunk) =>
        $"{DecodeFunction}({chunk}.day, {chunk}.time_deltas, {chunk}.is_backfill, {chunk}.price_codes, {chunk}.price_usd, " +
        $"{chunk}.market_cap_codes, {chunk}.market_cap_usd, {chunk}.volume_codes, {chunk}.volume_24h_usd)";

    /// <summary><c>ensure_price_chunks_partition(month timestamptz)</c>: creates the chunks' partition of a month when missing.</summary>
    public const string EnsureChunksPartitionFunction = "ensure_price_chunks_partition";

    /// <summary>
    /// The first key of the two-key advisory lock a month's compaction holds exclusively and writers into the month hold
    /// shared; the second key is the month as <c>year * 12 + month - 1</c>.
    /// </summary>
    public const int MonthLockClass = 0x4b434d50; // "KCMP"

    /// <summary>The second advisory lock key of the month starting at <paramref name="monthStart"/>.</summary>
    public static int MonthLockKey(DateTime monthStart) => monthStart.Year * 12 + monthStart.Month - 1;

    /// <summary>The chunks' partition of the month that starts at <paramref name="monthStart"/> (UTC).</summary>
    public static string ChunkPartitionName(DateTime monthStart) => $"{ChunksTable}_{monthStart:yyyy_MM}";
}
