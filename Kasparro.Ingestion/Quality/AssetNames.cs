using System.Globalization;
using System.Text;

namespace Kasparro.Ingestion.Quality;

/// <summary>Name normalization and slugs for asset identity: "Binance Coin" and "binance-coin" compare equal.</summary>
public static class AssetNames
{
    // Generic words that sources add or drop ("Binance Coin" / "BNB", "NEAR Protocol" / "Near").
    private static readonly HashSet<string> FillerWords = new(StringComparer.Ordinal) { "token", "coin", "network", "protocol" };

    /// <summary>
    /// Lower-case letters and digits only, with filler words dropped, but never all of them
    /// ("Coin" stays "coin"), and only when they stand as separate words ("Toncoin" is kept whole).
    /// </summary>
    public static string Normalize(string? name)
    {
        var words = Words(name);
        var kept = words.Where(w => !FillerWords.Contains(w)).ToList();
        return string.Concat(kept.Count > 0 ? kept : words);
    }

    /// <summary>A readable id part: "Wrapped Bitcoin" becomes "wrapped-bitcoin".</summary>
    public static string Slug(string? text) => string.Join('-', Words(text));

    private static List<string> Words(string? text)
    {
        var words = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return words;
        }

        var current = new StringBuilder();
        // Decomposing first turns "é" into "e" + accent, so accented names slug to plain letters.
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsAsciiLetterOrDigit(c))
            {
                current.Append(char.ToLowerInvariant(c));
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
