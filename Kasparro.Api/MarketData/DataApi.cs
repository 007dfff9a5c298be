using Kasparro.Contracts;
using Kasparro.Api.Endpoints;
using Kasparro.Api.Exports;
using Kasparro.Api.Hosting;
using Kasparro.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Kasparro.Api.MarketData;

/// <summary><c>GET /data</c>: the normalized records, in the original system's shape.</summary>
public static class DataApi
{
    public static IEndpointRouteBuilder MapDataApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/data", GetDataAsync)
            .WithName("GetData")
            .WithSummary("Normalized market records, filtered and paged, ordered by id")
            .WithTags("Data")
            .WithDescription(CsvExport.Description)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        return routes;
    }

    public static async Task<Results<Ok<DataResponse>, CsvExport, ValidationProblem>> GetDataAsync(
        HttpContext context,
        NpgsqlDataSource dataSource,
        ExactTotalCache totals,
        [FromQuery] string? source,
        [FromQuery] string? ticker,
        [FromQuery(Name = "asset_id")] string? assetId,
        [FromQuery(Name = "start_date")] string? startDate,
        [FromQuery(Name = "end_date")] string? endDate,
        [FromQuery] string? limit,
        [FromQuery] string? offset,
        [FromQuery] string? format,
        CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var sourceFilter = query.OneOf(source, "source", SourceNames.Snapshot.ToArray());
        var tickerFilter = query.Text(ticker, "ticker");
        var assetFilter = query.Text(assetId, "asset_id");
        var start = query.Timestamp(startDate, "start_date");
        var end = query.Timestamp(endDate, "end_date");
        query.Range(start, end, "end_date");
        var pageSize = query.Limit(limit, 50);
        var skip = query.Offset(offset);
        var csv = CsvExport.IsRequested(context.Request, format, query);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var filter = new MarketRecordFilter(sourceFilter, tickerFilter?.ToUpperInvariant(), assetFilter, start, end);
        if (csv)
        {
            // An export without a limit is the whole filtered result.
            return CsvExport.Of("data.csv", MarketRecordQuery.StreamAsync(dataSource, filter, limit is null ? null : pageSize, skip, cancellationToken));
        }

        var (page, total) = await MarketRecordQuery.ReadAsync(dataSource, totals, filter, pageSize, skip, cancellationToken);
        return TypedResults.Ok(new DataResponse(page, new Pagination(pageSize, skip, page.Count, total), RequestIdMiddleware.MetaOf(context)));
    }
}
