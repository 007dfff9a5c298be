using System.Text.Json.Serialization;

namespace Kasparro.Contracts;

/// <summary>One normalized record as <c>GET /data</c> serves it (the original system's shape).</summary>
public sealed record MarketRecordItem(
    string Id,
    string? AssetId,
    string Ticker,
    string? Name,
    decimal PriceUsd,
    decimal? MarketCapUsd,
    [property: JsonPropertyName("volume_24h_usd")] decimal? Volume24hUsd,
    [property: JsonPropertyName("percent_change_24h")] decimal? PercentChange24h,
    string Source,
    DateTime CreatedAt,
    DateTime IngestedAt);

/// <summary>The <c>GET /data</c> response: records, pagination and request metadata.</summary>
public sealed record DataResponse(IReadOnlyList<MarketRecordItem> Data, Pagination Pagination, ResponseMeta Meta);
