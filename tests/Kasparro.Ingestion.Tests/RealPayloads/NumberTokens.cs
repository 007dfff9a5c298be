using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Kasparro.Ingestion.Tests.RealPayloads;

/// <summary>
/// Reads a payload's numbers as the text they are written in (never through double), and puts a number's text in one
/// canonical form: plain digits, no exponent, no trailing fractional zeros — the form in which two spellings of the same
/// decimal value (<c>7.662e-05</c> and <c>0.00007662</c>, <c>1995.0</c> and <c>1995</c>) are equal, digit for digit.
/// </summary>
public static class NumberTokens
{
    /// <summary>The literal text of the number at <paramref name="path"/> (property names) in each element of the top-level array, by the element's id.</summary>
    public static Dictionary<string, string?> ByElement(byte[] json, string idProperty, params string[] path)
    {
        using var document = JsonDocument.Parse(json);
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var element in document.RootElement.EnumerateArray())
        {
            var value = element;
            foreach (var name in path)
            {
                value = value.GetProperty(name);
            }

            result[element.GetProperty(idProperty).GetString()!] = value.ValueKind == JsonValueKind.Null ? null : value.GetRawText();
        }

        return result;
    }

    /// <summary>The canonical digits of a number written as <paramref name="text"/> (JSON number or PostgreSQL <c>numeric::text</c>).</summary>
    public static string Canonical(string text)
    {
        var negative = text.StartsWith('-');
        var body = negative ? text[1..] : text;
        var exponent = 0;
        var e = body.IndexOfAny(['e', 'E']);
        if (e >= 0)
        {
            exponent = int.Parse(body[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            body = body[..e];
        }

        var point = body.IndexOf('.');
        var digits = point < 0 ? body : body.Remove(point, 1);
        var pointAt = (point < 0 ? body.Length : point) + exponent;
        if (pointAt <= 0)
        {
            digits = new string('0', 1 - pointAt) + digits;
            pointAt = 1;
        }
        else if (pointAt > digits.Length)
        {
            digits += new string('0', pointAt - digits.Length);
        }

        var whole = digits[..pointAt].TrimStart('0');
        var fraction = digits[pointAt..].TrimEnd('0');
        var result = new StringBuilder(whole.Length == 0 ? "0" : whole);
        if (fraction.Length > 0)
        {
            result.Append('.').Append(fraction);
        }

        return (negative && result.ToString() != "0" ? "-" : "") + result;
    }
}
