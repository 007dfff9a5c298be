namespace Kasparro.Data.Entities;

/// <summary>
/// One observation in the price history as the <c>price_history</c> view shows it: unique per (source, source id,
/// source timestamp). The rows are stored narrow in the monthly partitions of <c>price_points</c>, keyed by the
/// compact series id of <c>price_series</c> (<see cref="HistoryStorage"/>); the view joins them back to this shape,
/// and writing to it (analysts' SQL, tests, this entity) goes to those tables through its INSTEAD OF triggers.
/// </summary>
public class PricePoint
{
    public required string Source { get; set; }
    public required string SourceId { get; set; }
    public DateTimeOffset ObservedAt { get; set; }
    /// <summary>The asset the series is resolved to (kept per series, not per point).</summary>
    public string? AssetId { get; set; }
    public decimal PriceUsd { get; set; }
    public decimal? MarketCapUsd { get; set; }
    public decimal? Volume24hUsd { get; set; }
    /// <summary>Filled from a past-price backfill rather than a live snapshot.</summary>
    public bool IsBackfill { get; set; }
}
