using System.Security.Cryptography;
using System.Text;

namespace Kasparro.Ingestion.Sources;

/// <summary>
/// One row of <c>raw_records</c>: a JSON payload exactly as received (a coin object from an API, or a CSV batch's
/// lines), what it is about, and when the source says it was observed. Identical payloads are stored once.
/// </summary>
public sealed record RawPayload(string SourceId, DateTimeOffset? SourceTimestamp, string Json)
{
    /// <summary>Hashed where the payload is made (for a CSV, on the reading thread, off the writer's path).</summary>
    public string ContentHash { get; } = HashOf(Json);

    /// <summary>SHA-256 of the payload text as received, hex.</summary>
    public static string HashOf(string payload) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)));
}
