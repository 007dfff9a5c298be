namespace Kasparro.Api.Streaming;

/// <summary>
/// One row of <c>change_log</c> made ready to send: its events already serialized once, shared by every client.
/// <see cref="Events"/> are in position order (the record ids' order); a client filters them by asset.
/// </summary>
public sealed record StreamChange(long Sequence, long Xid, string Kind, string Source, IReadOnlySet<string> AssetIds, IReadOnlyList<StreamEvent> Events)
{
    /// <summary>Where this change is in the log's reading order.</summary>
    public ChangeCursor Cursor => new(Xid, Sequence);

    /// <summary>The kind of the heartbeats the feed sends every client (not a change_log row; sequence 0).</summary>
    public const string HeartbeatKind = "heartbeat";

    public bool IsHeartbeat => Kind == HeartbeatKind;
}

/// <summary>
/// One server-sent event: its type (<c>price</c>, <c>run</c>, ...), its id (<see cref="StreamPosition"/>) and place in its
/// change, the asset it is about and its JSON data.
/// </summary>
public sealed record StreamEvent(string Type, string? Id, int Position, string? AssetId, string Data)
{
    public const string Price = "price";
    public const string Run = "run";
    public const string Heartbeat = "heartbeat";
    public const string Reset = "reset";
    public const string Overflow = "overflow";
}
