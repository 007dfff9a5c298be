using System.ComponentModel.DataAnnotations;

namespace Kasparro.Ingestion.ChangeFeed;

/// <summary>Configuration section <c>Stream</c>, the part the ingestion service reads: how long the change log keeps rows.</summary>
public sealed class ChangeLogOptions
{
    public const string Section = "Stream";

    /// <summary>
    /// Rows older than this are deleted: a <c>GET /stream</c> client that reconnects within it misses nothing, an older
    /// Last-Event-ID gets a <c>reset</c> event.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan LogRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the trimming runs.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan TrimInterval { get; set; } = TimeSpan.FromMinutes(5);
}
