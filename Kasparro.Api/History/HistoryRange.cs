using Kasparro.Api.Endpoints;

namespace Kasparro.Api.History;

/// <summary>
/// The time range <c>GET /assets/{id}/history</c> and <c>/gaps</c> both take: <c>from</c> and <c>to</c> as asked, and
/// the range they stand for once the defaults are applied.
/// </summary>
public readonly record struct HistoryRange(DateTimeOffset? From, DateTimeOffset? To)
{
    /// <summary>Reads <c>from</c> and <c>to</c> (each a timestamp, <c>to</c> not before <c>from</c>).</summary>
    public static HistoryRange Read(QueryValidator query, string? from, string? to)
    {
        var start = query.Timestamp(from, "from");
        var end = query.Timestamp(to, "to");
        query.Range(start, end, "to");
        return new HistoryRange(start, end);
    }

    /// <summary>
    /// The range covered: <c>to</c> defaults to now (or <c>from</c> plus the default length), <c>from</c> to the
    /// default length before <c>to</c>; an empty range fails <c>from</c>.
    /// </summary>
    public (DateTimeOffset Start, DateTimeOffset End) Resolve(QueryValidator query, DateTimeOffset now, TimeSpan defaultLength)
    {
        var end = To ?? (From is null ? now : From.Value + defaultLength);
        var start = From ?? end - defaultLength;
        if (end <= start)
        {
            query.Fail("from", "must be earlier than to");
        }

        return (start, end);
    }
}
