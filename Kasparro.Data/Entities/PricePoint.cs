namespace Kasparro.Data.Entities;

/// <summary>One observation in the price history: unique per (source, source id, source timestamp).</summary>
public class PricePoint
{
    public required string Source { get; set; }
    public required string SourceId { get; set; }
    public DateTimeOffset ObservedAt { get; set; }
    public string? AssetId { get; set; }
    public decimal PriceUsd { get; set; }
    public decimal? MarketCapUsd { get; set; }
    public decimal? Volume24hUsd { get; set; }
    /// <summary>Filled from a past-price backfill rather than a live snapshot.</summary>
    public bool IsBackfill { get; set; }
    public long? RunId { get; set; }
}
