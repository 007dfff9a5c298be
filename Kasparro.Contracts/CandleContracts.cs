using System.Text.Json.Serialization;

namespace Kasparro.Contracts;

/// <summary>
/// One time bucket of one source, starting at <c>t</c>: the first, highest, lowest and last price of its points, the
/// last point's 24h volume, and how many points it holds (all of the source's ids for the asset together).
/// </summary>
public sealed record Candle(
    DateTime T,
    decimal Open,
    decimal High,
    decimal Low,
    decimal Close,
    [property: JsonPropertyName("volume_24h_usd")] decimal? Volume24hUsd,
    int Points);

/// <summary>One source's candles, oldest first.</summary>
public sealed record CandleSeries(string Source, IReadOnlyList<Candle> Candles);

/// <summary><c>GET /assets/{id}/candles</c>: the asset's OHLC candles per source over a range of whole buckets.</summary>
public sealed record AssetCandles(string AssetId, string Interval, DateTime From, DateTime To, IReadOnlyList<CandleSeries> Series);

/// <summary>A candle as a CSV export row: the series' source, then the candle (one row per candle).</summary>
public sealed record CandleExportRow(
    string Source,
    DateTime T,
    decimal Open,
    decimal High,
    decimal Low,
    decimal Close,
    [property: JsonPropertyName("volume_24h_usd")] decimal? Volume24hUsd,
    int Points);
