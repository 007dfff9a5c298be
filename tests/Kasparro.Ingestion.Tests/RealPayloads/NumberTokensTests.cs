namespace Kasparro.Ingestion.Tests.RealPayloads;

/// <summary>The digit-for-digit comparison's canonical form: spellings of one decimal value agree, different values never do.</summary>
public sealed class NumberTokensTests
{
    [Theory]
    [InlineData("7.662e-05", "0.00007662")]
    [InlineData("4.6423200893689e-7", "0.00000046423200893689")]
    [InlineData("1995.0", "1995")]
    [InlineData("20022396.0", "20022396")]
    [InlineData("1.5E+3", "1500")]
    [InlineData("0.0", "0")]
    [InlineData("-0.003836886445303556", "-0.003836886445303556")]
    [InlineData("100", "100")]
    public void Spellings_of_one_value_have_the_same_canonical_digits(string payload, string expected) =>
        Assert.Equal(expected, NumberTokens.Canonical(payload));

    [Theory]
    [InlineData("29427.918932650417", "29427.91893265042")]
    [InlineData("0.00001", "0.0001")]
    [InlineData("7.662e-05", "7.662e-06")]
    public void Different_values_never_compare_equal(string a, string b) =>
        Assert.NotEqual(NumberTokens.Canonical(a), NumberTokens.Canonical(b));
}
