using System.Linq.Expressions;
using Kasparro.Contracts;
using Kasparro.Api.Exports;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Api.Endpoints;

/// <summary>
/// What a listing request asked for once validated: the page, and whether it wants CSV. <c>LimitAsked</c> says whether
/// <c>limit</c> was sent: a CSV export holds every row from the offset unless it was.
/// </summary>
public readonly record struct ListingRequest(int Limit, int Offset, bool LimitAsked, bool Csv)
{
    /// <summary>Reads <c>limit</c> (1 to 200), <c>offset</c> and <c>format</c> (or <c>Accept: text/csv</c>).</summary>
    public static ListingRequest Read(QueryValidator query, HttpRequest request, string? limit, string? offset, string? format, int defaultLimit) =>
        new(query.Limit(limit, defaultLimit), query.Offset(offset), limit is not null, CsvExport.IsRequested(request, format, query));
}

/// <summary>
/// The one ending of a listing endpoint (runs, drift, quarantine, alerts): the matching rows in their order from the
/// offset, answered as a page with the total count of matches, or as a CSV export in the same order.
/// </summary>
public static class Listing
{
    /// <summary>The rows matching <paramref name="predicate"/> when the optional <paramref name="filter"/> was given, else all.</summary>
    public static IQueryable<T> WhereGiven<T>(this IQueryable<T> rows, object? filter, Expression<Func<T, bool>> predicate) =>
        filter is null ? rows : rows.Where(predicate);

    public static async Task<Results<Ok<Page<TItem>>, CsvExport, ValidationProblem>> AnswerAsync<TRow, TItem>(
        IQueryable<TRow> matches,
        Func<IQueryable<TRow>, IQueryable<TRow>> order,
        Expression<Func<TRow, TItem>> toItem,
        ListingRequest request,
        string csvFileName,
        CancellationToken cancellationToken)
    {
        var ordered = order(matches).Skip(request.Offset);
        if (request.Csv)
        {
            return CsvExport.Of(csvFileName, (request.LimitAsked ? ordered.Take(request.Limit) : ordered).Select(toItem).AsAsyncEnumerable());
        }

        var total = await matches.LongCountAsync(cancellationToken);
        var page = await ordered.Take(request.Limit).Select(toItem).ToListAsync(cancellationToken);
        return TypedResults.Ok(Page<TItem>.Of(page, request.Limit, request.Offset, total));
    }
}
