namespace Kasparro.Contracts;

/// <summary>Where a page sits in the full result: <c>total</c> counts every match, not just this page.</summary>
public sealed record Pagination(int Limit, int Offset, int Returned, long Total);

/// <summary>One page of a listing: <c>{"data": [...], "pagination": {...}}</c>.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, Pagination Pagination)
{
    public static Page<T> Of(IReadOnlyList<T> data, int limit, int offset, long total) =>
        new(data, new Pagination(limit, offset, data.Count, total));
}

/// <summary>Per-response metadata of <c>GET /data</c>, kept from the original system.</summary>
public sealed record ResponseMeta(string RequestId, double ApiLatencyMs);
