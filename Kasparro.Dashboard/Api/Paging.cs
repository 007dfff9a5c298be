namespace Kasparro.Dashboard.Api;

/// <summary>The <c>pagination</c> block of the list endpoints.</summary>
public sealed record Pagination(int Limit, int Offset, int Returned, long Total);

/// <summary>A list response: <c>{"data": [...], "pagination": {...}}</c>.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, Pagination? Pagination);
