namespace Kasparro.Data.Entities;

/// <summary>
/// A REST client's key. Only the SHA-256 hash of the key is stored; the prefix (public, part of the key text) finds the
/// row, so listing and logging never need the secret.
/// </summary>
public class ApiKey
{
    public long Id { get; set; }
    /// <summary>Who or what holds the key (a client name, for people reading lists and audit lines).</summary>
    public required string Name { get; set; }
    /// <summary>One of <see cref="ApiKeyRoles"/>.</summary>
    public required string Role { get; set; }
    /// <summary>The key's public lookup part (<c>kas_{prefix}_{secret}</c>), unique.</summary>
    public required string Prefix { get; set; }
    /// <summary>SHA-256 of the whole key text.</summary>
    public required byte[] KeyHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    /// <summary>Requests per minute this key may make; null takes the API's default limit.</summary>
    public int? RateLimitPerMinute { get; set; }
}

/// <summary>Roles an <see cref="ApiKey"/> can carry.</summary>
public static class ApiKeyRoles
{
    /// <summary>May read (every GET).</summary>
    public const string Reader = "reader";

    /// <summary>May read and act (trigger runs, edit alert rules, later actions).</summary>
    public const string Operator = "operator";

    /// <summary>Every role, for validation.</summary>
    public static readonly IReadOnlyList<string> All = [Reader, Operator];
}
