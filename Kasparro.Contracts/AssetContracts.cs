using System.Text.Json.Serialization;

namespace Kasparro.Contracts;

/// <summary>A canonical asset in a listing.</summary>
public sealed record AssetItem(string Id, string Symbol, string Name, decimal? MarketCapUsd, int SourceCount);

/// <summary>How one source's id is linked to the asset.</summary>
public sealed record AssetMappingItem(string Source, string SourceId, string Rule, decimal Confidence, bool IsManual, DateTime LinkedAt);

/// <summary>A source's latest observation of the asset.</summary>
public sealed record LatestValue(
    string Source,
    string SourceId,
    decimal PriceUsd,
    decimal? MarketCapUsd,
    [property: JsonPropertyName("volume_24h_usd")] decimal? Volume24hUsd,
    [property: JsonPropertyName("percent_change_24h")] decimal? PercentChange24h,
    DateTime CreatedAt);

/// <summary>How far one source's latest price is from the reference (median) price, in percent.</summary>
public sealed record SourceDivergence(string Source, decimal PriceUsd, double DivergencePct);

/// <summary>The sources' agreement on the asset's price; figures are null without any latest price.</summary>
public sealed record AssetDivergence(decimal? ReferencePriceUsd, double? MaxDivergencePct, IReadOnlyList<SourceDivergence> PerSource);

/// <summary><c>GET /assets/{id}</c>: the asset, its mappings and the sources' latest values side by side.</summary>
public sealed record AssetDetail(
    string Id,
    string Symbol,
    string Name,
    decimal? MarketCapUsd,
    IReadOnlyList<AssetMappingItem> Mappings,
    IReadOnlyList<LatestValue> Latest,
    AssetDivergence Divergence);

/// <summary>One point of a price series: a raw observation or the last one in a bucket starting at <c>t</c>.</summary>
public sealed record HistoryPoint(
    DateTime T,
    decimal PriceUsd,
    decimal? MarketCapUsd,
    [property: JsonPropertyName("volume_24h_usd")] decimal? Volume24hUsd);

/// <summary>A history point as a CSV export row: the series' source, then the point (one row per point).</summary>
public sealed record HistoryExportRow(
    string Source,
    DateTime T,
    decimal PriceUsd,
    decimal? MarketCapUsd,
    [property: JsonPropertyName("volume_24h_usd")] decimal? Volume24hUsd);

/// <summary>One source's points, oldest first.</summary>
public sealed record HistorySeries(string Source, IReadOnlyList<HistoryPoint> Points);

/// <summary><c>GET /assets/{id}/history</c>: the asset's price per source over a range.</summary>
public sealed record AssetHistory(string AssetId, DateTime From, DateTime To, string Interval, IReadOnlyList<HistorySeries> Series);

/// <summary>One source's points as parallel arrays, oldest first: the i-th entry of each array is one point.</summary>
public sealed record HistoryColumns(
    string Source,
    IReadOnlyList<DateTime> T,
    IReadOnlyList<decimal> PriceUsd,
    IReadOnlyList<decimal?> MarketCapUsd,
    [property: JsonPropertyName("volume_24h_usd")] IReadOnlyList<decimal?> Volume24hUsd);

/// <summary><c>GET /assets/{id}/history?format=columns</c>: the same history as <see cref="AssetHistory"/>, each series as parallel arrays.</summary>
public sealed record AssetHistoryColumns(string AssetId, DateTime From, DateTime To, string Interval, IReadOnlyList<HistoryColumns> Series);

/// <summary>An asset whose sources disagree on the price right now.</summary>
public sealed record DivergenceItem(
    string AssetId,
    string Symbol,
    string Name,
    int SourceCount,
    decimal MinPriceUsd,
    decimal MaxPriceUsd,
    double DivergencePct);

/// <summary><c>GET /divergences</c>: the assets with the largest disagreement first.</summary>
public sealed record DivergenceList(IReadOnlyList<DivergenceItem> Data);
