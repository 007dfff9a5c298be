using System.Globalization;

namespace Kasparro.Upstreams.Endpoints;

/// <summary>Prints doubles the way each upstream's stack does, so clients meet the real shapes:
/// CoinGecko (Ruby) switches to exponent form below 1e-4 (<c>8.08e-06</c>), CoinPaprika (Go) below 1e-6
/// (<c>7.18e-7</c>); both print shortest round-trip digits. Whole numbers print without a fraction
/// because both services send integral values (market caps, supplies) as integers.</summary>
internal static class JsonNumberText
{
    public static string Gecko(double value) => Format(value, minFixedExponent: -4, maxFixedExponent: 15, rubyStyle: true);

    public static string Paprika(double value) => Format(value, minFixedExponent: -6, maxFixedExponent: 20, rubyStyle: false);

    private static string Format(double value, int minFixedExponent, int maxFixedExponent, bool rubyStyle)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "JSON has no NaN or infinity.");
        }

        if (value == 0)
        {
            return "0";
        }

        var (negative, digits, exponent) = Decompose(value);
        var sign = negative ? "-" : string.Empty;
        if (exponent < minFixedExponent || exponent > maxFixedExponent)
        {
            // Ruby prints 1e-05 as "1.0e-05", Go as "1e-5".
            var mantissa = digits.Length > 1 ? $"{digits[0]}.{digits[1..]}" : rubyStyle ? $"{digits}.0" : digits;
            var expSign = exponent < 0 ? "-" : "+";
            var expDigits = Math.Abs(exponent).ToString(rubyStyle ? "00" : "0", CultureInfo.InvariantCulture);
            return $"{sign}{mantissa}e{expSign}{expDigits}";
        }

        if (exponent < 0)
        {
            return $"{sign}0.{new string('0', -exponent - 1)}{digits}";
        }

        if (digits.Length <= exponent + 1)
        {
            return sign + digits + new string('0', exponent + 1 - digits.Length);
        }

        return $"{sign}{digits[..(exponent + 1)]}.{digits[(exponent + 1)..]}";
    }

    /// <summary>Shortest round-trip significant digits (no leading/trailing zeros) and the decimal exponent
    /// of the first digit, i.e. value = 0.d1d2... × 10^(exponent+1).</summary>
    private static (bool Negative, string Digits, int Exponent) Decompose(double value)
    {
        var shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var ePos = shortest.IndexOfAny(['E', 'e']);
        string mantissa;
        int exponent;
        if (ePos >= 0)
        {
            mantissa = shortest[..ePos];
            exponent = int.Parse(shortest[(ePos + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        else
        {
            mantissa = shortest;
            exponent = 0;
        }

        var point = mantissa.IndexOf('.');
        var integerPart = point >= 0 ? mantissa[..point] : mantissa;
        var fraction = point >= 0 ? mantissa[(point + 1)..] : string.Empty;
        var all = integerPart + fraction;
        var firstNonZero = all.TakeWhile(c => c == '0').Count();
        var digits = all[firstNonZero..].TrimEnd('0');
        var firstDigitExponent = integerPart.Length - 1 - firstNonZero + exponent;
        return (value < 0, digits.Length == 0 ? "0" : digits, firstDigitExponent);
    }
}
