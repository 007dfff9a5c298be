using System.Security.Cryptography;
using System.Text;

namespace Kasparro.Ingestion.Sources;

/// <summary>
/// One row of <c>raw_records</c>: a JSON payload exactly as received (a coin object from an API, or a CSV batch's
/// lines), what it is about, and when the source says it was observed. Identical payloads are stored once.
/// </summary>
public sealed record RawPayload(string SourceId, DateTimeOffset? SourceTimestamp, string Json)
{
    private string? contentHash;

    /// <summary>SHA-256 of the payload's UTF-8 text, hex.</summary>
    public string ContentHash => contentHash ??= HashOf(Json);

    /// <summary>A payload made as UTF-8 (a CSV chunk), hashed from those bytes where it is made: on the reading thread, off the writer's path.</summary>
    public static RawPayload FromUtf8(string sourceId, DateTimeOffset? sourceTimestamp, ReadOnlySpan<byte> json) =>
        new(sourceId, sourceTimestamp, Encoding.UTF8.GetString(json)) { contentHash = Convert.ToHexStringLower(SHA256.HashData(json)) };

    /// <summary>SHA-256 of the payload text as received, hex.</summary>
    public static string HashOf(string payload) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)));
}
