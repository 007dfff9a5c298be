using System.Text.Json.Serialization;

namespace Kasparro.Dashboard.Api;

/// <summary>One row of <c>GET /assets</c>.</summary>
public sealed record AssetSummary(string Id, string Symbol, string Name, decimal? MarketCapUsd, int SourceCount);

/// <summary>How one source's listing is linked to the canonical asset.</summary>
public sealed record AssetMapping(string Source, string SourceId, string? Rule, decimal? Confidence, bool IsManual, DateTimeOffset? LinkedAt);

/// <summary>One source's latest snapshot of the asset.</summary>
/// <remarks>The snake_case policy would write "volume24h_usd"; the contract says "volume_24h_usd", hence the explicit names.</remarks>
public sealed record SourceQuote(string Source, string? SourceId, decimal? PriceUsd, decimal? MarketCapUsd, [property: JsonPropertyName("volume_24h_usd")] decimal? Volume24hUsd,
    [property: JsonPropertyName("percent_change_24h")] decimal? PercentChange24h, DateTimeOffset? CreatedAt);

/// <summary>One source's distance from the median price.</summary>
public sealed record SourceDivergence(string Source, decimal? PriceUsd, decimal? DivergencePct);

/// <summary>How far the sources' latest prices are apart.</summary>
public sealed record AssetDivergence(decimal? ReferencePriceUsd, decimal? MaxDivergencePct, IReadOnlyList<SourceDivergence> PerSource);

/// <summary><c>GET /assets/{id}</c>.</summary>
public sealed record AssetDetail
{
    public string Id { get; init; } = "";
    public string Symbol { get; init; } = "";
    public string Name { get; init; } = "";
    public decimal? MarketCapUsd { get; init; }
    public IReadOnlyList<AssetMapping> Mappings { get; init; } = [];
    public IReadOnlyList<SourceQuote> Latest { get; init; } = [];
    public AssetDivergence? Divergence { get; init; }
}

/// <summary>One point of a price series (a raw snapshot or the last one in a bucket).</summary>
public sealed record PricePoint(DateTimeOffset T, decimal? PriceUsd, decimal? MarketCapUsd,
    [property: JsonPropertyName("volume_24h_usd")] decimal? Volume24hUsd);

/// <summary>One source's price series.</summary>
public sealed record SourceSeries(string Source, IReadOnlyList<PricePoint> Points);

/// <summary><c>GET /assets/{id}/history</c>.</summary>
public sealed record AssetHistory(string AssetId, DateTimeOffset From, DateTimeOffset To, string Interval, IReadOnlyList<SourceSeries> Series);

/// <summary>One row of <c>GET /divergences</c>: an asset whose sources disagree.</summary>
public sealed record DivergentAsset(string AssetId, string Symbol, string Name, int SourceCount, decimal? MinPriceUsd, decimal? MaxPriceUsd, decimal DivergencePct);

/// <summary>One row of <c>GET /data</c>; the dashboard uses the list only for its total.</summary>
public sealed record MarketRecord(string Id, string? AssetId, string? Ticker, string? Name, decimal? PriceUsd, string Source, DateTimeOffset CreatedAt);
