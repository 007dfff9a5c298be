namespace Kasparro.Dashboard.Live;

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
