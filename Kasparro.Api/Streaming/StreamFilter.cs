using Kasparro.Data;

namespace Kasparro.Api.Streaming;

/// <summary>What one client of <c>GET /stream</c> asked for: event kinds, a source, assets (prices only).</summary>
public sealed record StreamFilter(bool Prices, bool Runs, string? Source, IReadOnlySet<string>? AssetIds)
{
    /// <summary>Whether any event of the change can interest the client (heartbeats always do).</summary>
    public bool Wants(StreamChange change) => change.Kind switch
    {
        StreamChange.HeartbeatKind => true,
        ChangeLog.PriceKind => Prices && SourceMatches(change.Source) && (AssetIds is null || AssetIds.Overlaps(change.AssetIds)),
        ChangeLog.RunKind => Runs && SourceMatches(change.Source),
        _ => false,
    };

    /// <summary>Whether one event of a wanted change goes to the client.</summary>
    public bool Selects(StreamEvent streamEvent) =>
        streamEvent.Type != StreamEvent.Price || AssetIds is null || (streamEvent.AssetId is not null && AssetIds.Contains(streamEvent.AssetId));

    private bool SourceMatches(string source) => Source is null || Source == source;
}
