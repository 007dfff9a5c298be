using System.Globalization;
using System.Text.Json;

namespace Kasparro.Ingestion.Sources;

/// <summary>
/// Reads the values of source records exactly, from upstream JSON and from CSV text alike: numbers (exponent form
/// included) as <see cref="decimal"/> without going through <see cref="double"/>, null as null and 0 as 0, timestamps
/// in UTC. Failures carry a readable reason.
/// </summary>
public static class SourceValues
{
    /// <summary>Follows a dotted path (<c>quotes.USD.price</c>); false when any step is missing.</summary>
    public static bool TryGetPath(JsonElement element, string path, out JsonElement value)
    {
        value = element;
        foreach (var part in path.Split('.'))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(part, out value))
            {
                value = default;
                return false;
            }
        }

        return true;
    }

    /// <summary>A required decimal: present, a number (or numeric string), in range.</summary>
    public static bool TryRequiredDecimal(JsonElement item, string path, out decimal value, out string? error)
    {
        value = 0;
        if (!TryGetPath(item, path, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            error = $"'{path}' is missing";
            return false;
        }

        var parsed = ParseDecimal(element, path, out error);
        value = parsed ?? 0;
        return error is null;
    }

    /// <summary>An optional decimal: absent or null gives null (never 0), a bad value gives an error.</summary>
    public static decimal? OptionalDecimal(JsonElement item, string path, out string? error)
    {
        error = null;
        if (!TryGetPath(item, path, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return ParseDecimal(element, path, out error);
    }

    public static string? OptionalString(JsonElement item, string path) =>
        TryGetPath(item, path, out var element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;

    public static int? OptionalInt(JsonElement item, string path) =>
        TryGetPath(item, path, out var element) && element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var v) ? v : null;

    /// <summary>ISO 8601 (with or without fractional seconds) or epoch milliseconds, as UTC.</summary>
    public static bool TryParseTimestamp(string? text, out DateTimeOffset value) => TryParseTimestamp(text.AsSpan(), out value);

    /// <summary>
    /// ISO 8601 (with or without fractional seconds) or epoch milliseconds, as UTC, from text that need not be a string
    /// of its own (a CSV field); the common exact form is read without the general parser.
    /// </summary>
    public static bool TryParseTimestamp(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        if (text.IsWhiteSpace())
        {
            return false;
        }

        text = text.Trim();
        if (text.Length is >= 12 and <= 14 && !text.ContainsAnyExceptInRange('0', '9') && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epochMs))
        {
            value = DateTimeOffset.FromUnixTimeMilliseconds(epochMs);
            return true;
        }

        if (TryParseUtcSeconds(text, out value))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed.ToUniversalTime();
            return true;
        }

        return false;
    }

    /// <summary>
    /// The common exact form <c>yyyy-MM-ddTHH:mm:ssZ</c> read digit by digit: the general parser is a large share of the
    /// CSV row checks' time (docs/performance.md, Load path). Anything
    /// else, or a date that does not exist, is left to the general parser, which decides it as before.
    /// </summary>
    private static bool TryParseUtcSeconds(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z')
        {
            return false;
        }

        if (!TryDigits(text[..4], out var year) || !TryDigits(text.Slice(5, 2), out var month) || !TryDigits(text.Slice(8, 2), out var day)
            || !TryDigits(text.Slice(11, 2), out var hour) || !TryDigits(text.Slice(14, 2), out var minute) || !TryDigits(text.Slice(17, 2), out var second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> digits, out int number)
    {
        number = 0;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            number = number * 10 + (c - '0');
        }

        return true;
    }

    /// <summary>Parses a decimal from text, accepting exponent form; null with an error when it is not a number.</summary>
    public static decimal? ParseDecimal(string text, string field, out string? error)
    {
        error = null;
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        error = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var asDouble) && !double.IsNaN(asDouble)
            ? $"'{field}' value {Truncate(text)} is out of range"
            : $"'{field}' value {Truncate(text)} is not a number";
        return null;
    }

    /// <summary>
    /// <see cref="ParseDecimal(string, string, out string?)"/> for text that is not a string of its own (a CSV field):
    /// the same results and errors, with no string made unless the text is not a number.
    /// </summary>
    public static decimal? ParseDecimal(ReadOnlySpan<char> text, string field, out string? error)
    {
        if (TryParsePlainDecimal(text, out var value) || decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            error = null;
            return value;
        }

        return ParseDecimal(text.ToString(), field, out error);
    }

    /// <summary>
    /// The common form of a CSV number, <c>-?digits(.digits)?</c> with at most 18 digits and not zero, read digit by
    /// digit to the same decimal (value and scale) the general parser gives; anything else is left to it. The general
    /// parser was a quarter of the CSV reader's CPU (docs/performance.md, "CSV reader: Sep fast path").
    /// </summary>
    internal static bool TryParsePlainDecimal(ReadOnlySpan<char> text, out decimal value)
    {
        value = 0;
        var negative = !text.IsEmpty && text[0] == '-';
        var digits = negative ? text[1..] : text;
        if (digits.IsEmpty || digits.Length > 19)
        {
            return false;
        }

        ulong mantissa = 0;
        var count = 0;
        var scale = -1;
        for (var i = 0; i < digits.Length; i++)
        {
            var c = digits[i];
            if (char.IsAsciiDigit(c))
            {
                mantissa = mantissa * 10 + (ulong)(c - '0');
                count++;
            }
            else if (c == '.' && scale < 0 && i > 0 && i < digits.Length - 1)
            {
                scale = digits.Length - 1 - i;
            }
            else
            {
                return false;
            }
        }

        // Zero keeps the general parser's own rules for its sign and scale.
        if (count > 18 || mantissa == 0)
        {
            return false;
        }

        value = new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), 0, negative, (byte)Math.Max(scale, 0));
        return true;
    }

    private static decimal? ParseDecimal(JsonElement element, string path, out string? error)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                // GetRawText keeps the exact digits; decimal.Parse with Float accepts 8.08e-06.
                return ParseDecimal(element.GetRawText(), path, out error);
            case JsonValueKind.String:
                return ParseDecimal(element.GetString() ?? "", path, out error);
            default:
                error = $"'{path}' has type {element.ValueKind.ToString().ToLowerInvariant()}, expected a number";
                return null;
        }
    }

    internal static string Truncate(string text) => text.Length <= 40 ? $"'{text}'" : $"'{text[..40]}…'";
}
