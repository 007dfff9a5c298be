using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Kasparro.Api.Security;

/// <summary>
/// The text of an API key, <c>kas_{prefix}_{secret}</c>: a 12-hex-digit public prefix that finds the key's row and a
/// 256-bit random secret (base64url). Only the SHA-256 hash of the whole text is stored. A plain hash, not PBKDF2 or
/// another slow hash, because the secret is 256 random bits: slow hashes protect guessable passwords, and nobody can
/// enumerate 2^256 secrets, slow or fast; a fast hash keeps every request's check cheap.
/// </summary>
public static class ApiKeyText
{
    private const string Marker = "kas_";
    private const int PrefixBytes = 6;
    private const int SecretBytes = 32;
    private static readonly int PrefixLength = PrefixBytes * 2;
    private static readonly int SecretLength = Base64Url.GetEncodedLength(SecretBytes);

    /// <summary>A new key: its text (shown once), its prefix and its hash (stored).</summary>
    public static (string Key, string Prefix, byte[] Hash) Generate()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(PrefixBytes));
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        var key = $"{Marker}{prefix}_{secret}";
        return (key, prefix, Hash(key));
    }

    /// <summary>The prefix of a well-formed key; false for anything that cannot be a key (nothing to look up).</summary>
    public static bool TryReadPrefix(string presented, out string prefix)
    {
        prefix = "";
        if (presented.Length != Marker.Length + PrefixLength + 1 + SecretLength
            || !presented.StartsWith(Marker, StringComparison.Ordinal)
            || presented[Marker.Length + PrefixLength] != '_')
        {
            return false;
        }

        var candidate = presented.Substring(Marker.Length, PrefixLength);
        if (!candidate.All(char.IsAsciiHexDigitLower))
        {
            return false;
        }

        prefix = candidate;
        return true;
    }

    /// <summary>SHA-256 of the key text, as stored in <c>api_keys.key_hash</c>.</summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Whether a presented key hashes to the stored hash, compared in constant time.</summary>
    public static bool Matches(string presented, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(presented), storedHash);
}
