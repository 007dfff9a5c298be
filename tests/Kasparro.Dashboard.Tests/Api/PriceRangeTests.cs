using Kasparro.Dashboard.Components.Shared;

namespace Kasparro.Dashboard.Tests.Api;

public sealed class PriceRangeTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 29, 10, 30, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("24h", 1)]
    [InlineData("7d", 7)]
    [InlineData("30d", 30)]
    [InlineData("1y", 365)]
    [InlineData(null, 7)]
    public void A_preset_ends_now_and_reaches_back_its_length(string? range, int days)
    {
        var parsed = PriceRange.Parse(range, null, null, Now);

        Assert.Equal(Now, parsed.To);
        Assert.Equal(Now.AddDays(-days), parsed.From);
        Assert.Null(parsed.Problem);
    }

    [Fact]
    public void A_custom_range_includes_its_last_day()
    {
        var parsed = PriceRange.Parse("custom", "2025-03-01", "2025-03-15", Now);

        Assert.Equal("custom", parsed.Key);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), parsed.From);
        Assert.Equal(new DateTimeOffset(2025, 3, 16, 0, 0, 0, TimeSpan.Zero), parsed.To);
    }

    [Theory]
    [InlineData("custom", "2025-03-15", "2025-03-01")]
    [InlineData("custom", "yesterday", "2025-03-01")]
    [InlineData("custom", null, null)]
    [InlineData("90d", null, null)]
    public void Unreadable_input_falls_back_to_seven_days_with_a_problem_to_show(string range, string? from, string? to)
    {
        var parsed = PriceRange.Parse(range, from, to, Now);

        Assert.Equal("7d", parsed.Key);
        Assert.Equal(Now.AddDays(-7), parsed.From);
        Assert.NotNull(parsed.Problem);
    }
}
