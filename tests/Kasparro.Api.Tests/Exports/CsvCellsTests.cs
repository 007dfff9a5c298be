using Kasparro.Api.Exports;

namespace Kasparro.Api.Tests.Exports;

/// <summary>Spreadsheet formula neutralisation (OWASP CSV injection) and the number and time formats of a cell.</summary>
public sealed class CsvCellsTests
{
    [Theory]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")")]
    [InlineData("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("-", "'-")]
    [InlineData("@SUM(A1:A2)", "'@SUM(A1:A2)")]
    [InlineData("\t=1", "'\t=1")]
    [InlineData("\r=1", "'\r=1")]
    [InlineData("-1e5", "'-1e5")]
    [InlineData("-1.", "'-1.")]
    [InlineData("-.5", "'-.5")]
    [InlineData("--1", "'--1")]
    // Plain numbers stay numbers, signed or not.
    [InlineData("-1.5", "-1.5")]
    [InlineData("-0.0001", "-0.0001")]
    [InlineData("+42", "+42")]
    [InlineData("-79228162514264337593543950335", "-79228162514264337593543950335")]
    // Only the first character matters; ordinary text is untouched.
    [InlineData("a=1", "a=1")]
    [InlineData(" =1", " =1")]
    [InlineData("bitcoin", "bitcoin")]
    [InlineData("", "")]
    public void Text_that_a_spreadsheet_would_evaluate_is_prefixed_with_a_quote(string value, string expected) =>
        Assert.Equal(expected, CsvCells.Text(value));

    [Fact]
    public void Null_is_an_empty_cell() => Assert.Equal("", CsvCells.Text(null));

    [Theory]
    [InlineData("0.000000000000000000000000001")]
    [InlineData("79228162514264337593543950335")]
    [InlineData("-1.50")]
    [InlineData("83476.12345678901")]
    public void Decimals_keep_every_digit_and_never_use_an_exponent(string text) =>
        Assert.Equal(text, CsvCells.Number(decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Times_are_iso_8601_utc_with_fractions_only_when_there_are_any()
    {
        Assert.Equal("2026-12-05T14:00:00Z", CsvCells.Time(new DateTime(2026, 12, 5, 14, 0, 0, DateTimeKind.Utc)));
        Assert.Equal("2026-12-05T14:00:00.1234Z", CsvCells.Time(new DateTime(2026, 12, 5, 14, 0, 0, DateTimeKind.Utc).AddTicks(1_234_000)));
        Assert.Equal("2026-12-05T13:00:00Z", CsvCells.Time(new DateTimeOffset(2026, 12, 5, 14, 0, 0, TimeSpan.FromHours(1)).UtcDateTime));
    }
}
