using Kasparro.Api.Endpoints;
using Kasparro.Api.History;

namespace Kasparro.Api.Tests;

/// <summary>The from/to rule /history and /gaps share, as a pure function: no database needed.</summary>
public sealed class HistoryRangeTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    [Fact]
    public void Without_from_and_to_the_range_is_the_default_length_until_now()
    {
        var query = new QueryValidator();

        var (start, end) = HistoryRange.Read(query, null, null).Resolve(query, Now, Week);

        Assert.True(query.IsValid);
        Assert.Equal((Now - Week, Now), (start, end));
    }

    [Fact]
    public void From_alone_covers_the_default_length_after_it()
    {
        var query = new QueryValidator();

        var (start, end) = HistoryRange.Read(query, "2026-01-01T00:00:00Z", null).Resolve(query, Now, Week);

        Assert.Equal((new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 8, 0, 0, 0, TimeSpan.Zero)), (start, end));
    }

    [Fact]
    public void To_alone_covers_the_default_length_before_it()
    {
        var query = new QueryValidator();

        var (start, end) = HistoryRange.Read(query, null, "2026-01-08T00:00:00Z").Resolve(query, Now, Week);

        Assert.Equal((new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 8, 0, 0, 0, TimeSpan.Zero)), (start, end));
    }

    [Fact]
    public void An_empty_range_fails_from()
    {
        var query = new QueryValidator();

        HistoryRange.Read(query, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z").Resolve(query, Now, Week);

        Assert.Equal(["must be earlier than to"], query.Errors["from"]);
    }

    [Fact]
    public void A_bad_timestamp_is_named()
    {
        var query = new QueryValidator();

        HistoryRange.Read(query, "yesterday", null);

        Assert.False(query.IsValid);
        Assert.True(query.Errors.ContainsKey("from"));
    }
}
