namespace Kasparro.Data.Entities;

/// <summary>A canonical asset: one real-world coin or token, whatever the sources call it.</summary>
public class Asset
{
    /// <summary>Stable slug, e.g. <c>btc-bitcoin</c>.</summary>
    public required string Id { get; set; }
    /// <summary>Upper-case ticker symbol.</summary>
    public required string Symbol { get; set; }
    public required string Name { get; set; }
    /// <summary>Largest market cap seen for the asset across sources, used to break symbol ties.</summary>
    public decimal? MarketCapUsd { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
