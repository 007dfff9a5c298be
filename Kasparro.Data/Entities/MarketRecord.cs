namespace Kasparro.Data.Entities;

/// <summary>The latest normalized observation of one (source, source id): what <c>GET /data</c> serves.</summary>
public class MarketRecord
{
    /// <summary><c>{source}_{source_id}</c>, e.g. <c>coingecko_bitcoin</c>.</summary>
    public required string Id { get; set; }
    public required string Source { get; set; }
    public required string SourceId { get; set; }
    public string? AssetId { get; set; }
    public required string Ticker { get; set; }
    public string? Name { get; set; }
    public decimal PriceUsd { get; set; }
    public decimal? MarketCapUsd { get; set; }
    public decimal? Volume24hUsd { get; set; }
    public decimal? PercentChange24h { get; set; }
    /// <summary>The source's own timestamp of the observation (UTC).</summary>
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset IngestedAt { get; set; }
}
