using System.Security.Cryptography;
using System.Text;

namespace Kasparro.Ingestion.Sources;

/// <summary>
/// One row of <c>raw_records</c>: a JSON payload exactly as received (a coin object from an API, or a CSV batch's
/// lines), what it is about, and when the source says it was observed. Identical payloads are stored once.
/// A payload made as UTF-8 (a CSV chunk) stays UTF-8 on its way to PostgreSQL: turning a batch's 1.5 MB of lines
/// into a 3 MB string and back cost two transcodings and a large-object allocation a batch (docs/performance.md).
/// </summary>
public sealed class RawPayload
{
    private string? json;
    private byte[]? utf8;
    private string? contentHash;

    public RawPayload(string sourceId, DateTimeOffset? sourceTimestamp, string json)
    {
        SourceId = sourceId;
        SourceTimestamp = sourceTimestamp;
        this.json = json;
    }

    private RawPayload(string sourceId, DateTimeOffset? sourceTimestamp, byte[] utf8)
    {
        SourceId = sourceId;
        SourceTimestamp = sourceTimestamp;
        this.utf8 = utf8;
    }

    public string SourceId { get; }

    public DateTimeOffset? SourceTimestamp { get; }

    /// <summary>The payload's text.</summary>
    public string Json => json ??= Encoding.UTF8.GetString(utf8!);

    /// <summary>The payload's UTF-8 bytes, as they are sent to PostgreSQL.</summary>
    public byte[] Utf8 => utf8 ??= Encoding.UTF8.GetBytes(json!);

    /// <summary>SHA-256 of the payload's UTF-8 text, hex.</summary>
    public string ContentHash => contentHash ??= Convert.ToHexStringLower(SHA256.HashData(Utf8));

    /// <summary>A payload made as UTF-8 (a CSV chunk), hashed from those bytes where it is made: on the reading thread, off the writer's path.</summary>
    public static RawPayload FromUtf8(string sourceId, DateTimeOffset? sourceTimestamp, ReadOnlySpan<byte> json)
    {
        var bytes = json.ToArray();
        return new RawPayload(sourceId, sourceTimestamp, bytes) { contentHash = Convert.ToHexStringLower(SHA256.HashData(bytes)) };
    }

    /// <summary>SHA-256 of the payload text as received, hex.</summary>
    public static string HashOf(string payload) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)));
}
