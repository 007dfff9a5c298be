using System.Text.Json.Serialization;

namespace Kasparro.Dashboard.Live;

/// <summary>A <c>price</c> event of <c>GET /stream</c>: one latest record as <c>GET /data</c> shows it.</summary>
public sealed record LivePrice(
    string Id,
    string? AssetId,
    string? Ticker,
    decimal? PriceUsd,
    decimal? MarketCapUsd,
    [property: JsonPropertyName("volume_24h_usd")] decimal? Volume24hUsd,
    [property: JsonPropertyName("percent_change_24h")] decimal? PercentChange24h,
    string Source,
    DateTimeOffset CreatedAt);

/// <summary>What the live indicator shows.</summary>
public enum LiveState
{
    /// <summary>Not connected yet.</summary>
    Connecting,

    /// <summary>Connected to <c>GET /stream</c>: changes arrive as they commit.</summary>
    Live,

    /// <summary>The stream broke; reconnecting (with the last event id, so nothing is lost).</summary>
    Reconnecting,

    /// <summary>The user paused updates on this page.</summary>
    Paused,
}
