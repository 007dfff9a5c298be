namespace Kasparro.Ingestion.Sources;

/// <summary>The common schema every source is normalized into.</summary>
public sealed record MarketValues(
    string Ticker,
    string? Name,
    decimal PriceUsd,
    decimal? MarketCapUsd,
    decimal? Volume24hUsd,
    decimal? PercentChange24h,
    DateTimeOffset ObservedAt,
    int? Rank);

/// <summary>
/// One payload object as read from a source: its raw text (kept verbatim), where it came from, and either
/// its normalized values or the reason it was rejected (it then goes to quarantine).
/// </summary>
public sealed record SourceRecord(string? SourceId, string RawPayload, string Location, MarketValues? Values, string? RejectReason)
{
    public static SourceRecord Accepted(string sourceId, string raw, string location, MarketValues values) =>
        new(sourceId, raw, location, values, null);

    /// <summary>
    /// An accepted record of a batch that keeps its raw data as one chunk (<see cref="SourceBatch.RawChunk"/>, a CSV
    /// file's lines with their numbers): the chunk holds its text and place, so the record holds neither. Keeping
    /// them per row would be two strings a row that every batch carries through its collections.
    /// </summary>
    public static SourceRecord AcceptedInRawChunk(string sourceId, MarketValues values) =>
        new(sourceId, "", "", values, null);

    public static SourceRecord Rejected(string? sourceId, string raw, string location, string reason) =>
        new(sourceId, raw, location, null, reason);
}
