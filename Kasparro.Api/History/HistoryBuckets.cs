namespace Kasparro.Api.History;

/// <summary>
/// Time buckets of the history endpoint, aligned the way PostgreSQL's
/// <c>date_bin(width, t, TIMESTAMPTZ '2000-01-01 00:00:00+00')</c> aligns them, so a bucket is labelled with its start.
/// </summary>
public static class HistoryBuckets
{
    /// <summary>The origin every bucket is aligned to.</summary>
    public static readonly DateTime Origin = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The start of the bucket of <paramref name="width"/> holding <paramref name="t"/> (rounded down, also before the origin).</summary>
    public static DateTime StartOf(DateTime t, TimeSpan width)
    {
        var offset = t.ToUniversalTime().Ticks - Origin.Ticks;
        var remainder = offset % width.Ticks;
        if (remainder < 0)
        {
            remainder += width.Ticks;
        }

        return new DateTime(t.ToUniversalTime().Ticks - remainder, DateTimeKind.Utc);
    }

    /// <summary>The end of the bucket holding the instant just before <paramref name="t"/>: <paramref name="t"/> rounded up to a bucket boundary.</summary>
    public static DateTime EndOf(DateTime t, TimeSpan width)
    {
        var start = StartOf(t, width);
        return start == t.ToUniversalTime() ? start : start + width;
    }
}
