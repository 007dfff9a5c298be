namespace Kasparro.Ingestion.Backfill;

/// <summary>What one backfill run covers: the <paramref name="Top"/> CoinGecko assets by market cap, or exactly <paramref name="AssetIds"/>.</summary>
/// <param name="Days">How far back from now history should reach.</param>
/// <param name="Top">How many assets by market cap (ignored when <paramref name="AssetIds"/> is not empty).</param>
/// <param name="AssetIds">CoinGecko ids (<c>bitcoin</c>, <c>ethereum</c>).</param>
public sealed record BackfillRequest(int Days, int Top, IReadOnlyList<string> AssetIds)
{
    public static BackfillRequest From(HistoryBackfillOptions options) => new(options.Days, options.Top, []);

    /// <summary>An explicit range (<c>--from</c>/<c>--to</c>) instead of <see cref="Days"/> back from now.</summary>
    public BackfillRange? Range { get; init; }
}

/// <summary>An explicit UTC range of history to fill, <see cref="From"/> to <see cref="To"/> inclusive.</summary>
public sealed record BackfillRange(DateTimeOffset From, DateTimeOffset To)
{
    /// <summary>The days <paramref name="from"/> to <paramref name="to"/> (both whole UTC days, inclusive), ending no later than <paramref name="now"/>.</summary>
    public static BackfillRange OfDays(DateOnly from, DateOnly to, DateTimeOffset now)
    {
        var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddSeconds(-1);
        return new BackfillRange(new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), end < now ? end : now);
    }

    /// <summary>The range's length in whole days (at least one), which decides the chart's granularity.</summary>
    public int Days => Math.Max(1, (int)Math.Ceiling((To - From).TotalDays));
}
