using System.ComponentModel.DataAnnotations;

namespace Kasparro.Api.Streaming;

/// <summary>The <c>Stream</c> section: limits of <c>GET /stream</c>.</summary>
public sealed class StreamOptions
{
    public const string Section = "Stream";

    /// <summary>Open streams in total; one more is answered 503.</summary>
    [Range(1, 100_000)]
    public int MaxClients { get; set; } = 2_000;

    /// <summary>Open streams per client IP; one more is answered 429.</summary>
    [Range(1, 100_000)]
    public int MaxClientsPerIp { get; set; } = 20;

    /// <summary>
    /// Changes waiting for one client (a change is one committed batch of one source, or one run update). A client
    /// that falls further behind gets <c>event: overflow</c> and is disconnected; waiting changes are shared, so this
    /// bounds memory per client to references, not copies.
    /// </summary>
    [Range(1, 100_000)]
    public int ClientBuffer { get; set; } = 512;

    /// <summary>How often every stream gets <c>event: heartbeat</c> (keeps proxies from closing idle connections).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);
}
