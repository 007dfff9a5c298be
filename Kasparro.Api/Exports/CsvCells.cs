using System.Globalization;

namespace Kasparro.Api.Exports;

/// <summary>
/// How a value becomes a CSV cell: the same text the JSON of the same endpoint carries (invariant decimals at full
/// precision, never an exponent; ISO 8601 UTC times), and text neutralised against spreadsheet formula injection.
/// </summary>
public static class CsvCells
{
    /// <summary>
    /// OWASP CSV injection: a spreadsheet evaluates a cell starting with one of these as a formula (tab and CR
    /// because some spreadsheets strip them and then read what follows).
    /// </summary>
    private static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r'];

    /// <summary>
    /// A text cell, prefixed with a single quote when a spreadsheet would read it as a formula, unless the whole cell
    /// is a plain number (<c>-1.5</c> is a value, not an attack, and stays as it is); null is an empty cell.
    /// </summary>
    public static string Text(string? value)
    {
        if (string.IsNullOrEmpty(value) || Array.IndexOf(FormulaStarts, value[0]) < 0 || IsPlainNumber(value))
        {
            return value ?? "";
        }

        return "'" + value;
    }

    /// <summary>A decimal as System.Text.Json writes it: invariant, every stored digit, no exponent.</summary>
    public static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>An integer, invariant.</summary>
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A double the way System.Text.Json writes it (shortest text that reads back to the same value).</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// A UTC time as System.Text.Json writes a UTC <see cref="DateTime"/>: <c>2026-12-05T14:00:00Z</c>, with the
    /// fractional seconds only when there are any, without trailing zeros.
    /// </summary>
    public static string Time(DateTime value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>An optional sign, digits, an optional fraction: what a spreadsheet reads as a number and nothing else.</summary>
    public static bool IsPlainNumber(string value)
    {
        var i = value[0] is '-' or '+' ? 1 : 0;
        var digits = 0;
        while (i < value.Length && char.IsAsciiDigit(value[i]))
        {
            i++;
            digits++;
        }

        if (i < value.Length && value[i] == '.')
        {
            i++;
            var fraction = 0;
            while (i < value.Length && char.IsAsciiDigit(value[i]))
            {
                i++;
                fraction++;
            }

            if (fraction == 0)
            {
                return false;
            }
        }

        return digits > 0 && i == value.Length;
    }
}
