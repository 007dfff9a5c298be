using System.Linq.Expressions;
using Kasparro.Contracts;
using Kasparro.Api.Exports;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Api.Endpoints;

/// <summary>Data quality: schema drift (<c>GET /drift</c>) and quarantined records (<c>GET /quarantine</c>).</summary>
public static class QualityApi
{
    private static readonly string[] Kinds = [DriftKinds.MissingRequired, DriftKinds.MissingOptional, DriftKinds.Unknown, DriftKinds.Renamed];

    public static readonly Expression<Func<SchemaDriftEvent, DriftItem>> ToDriftItem = d => new DriftItem(
        d.Id, d.Source, d.Field, d.Kind, d.Severity, d.Suggestion, d.Confidence, UtcTime.Of(d.FirstSeen), UtcTime.Of(d.LastSeen),
        d.Count, d.FirstRunId, d.LastRunId);

    public static readonly Expression<Func<QuarantinedRecord, QuarantineItem>> ToQuarantineItem = q => new QuarantineItem(
        q.Id, q.Source, q.RunId, q.SourceId, q.Location, q.Reason, q.RawContent, UtcTime.Of(q.QuarantinedAt));

    public static IEndpointRouteBuilder MapQualityApi(this IEndpointRouteBuilder routes)
    {
        var quality = routes.MapGroup("").WithTags("Data quality").ProducesProblem(StatusCodes.Status429TooManyRequests);
        quality.MapGet("/drift", ListDriftAsync).WithName("ListDrift").WithSummary("Schema drift events, most recently seen first").WithDescription(CsvExport.Description);
        quality.MapGet("/quarantine", ListQuarantineAsync).WithName("ListQuarantine").WithSummary("Quarantined input records, newest first").WithDescription(CsvExport.Description);
        return routes;
    }

    public static async Task<Results<Ok<Page<DriftItem>>, CsvExport, ValidationProblem>> ListDriftAsync(
        HttpContext context,
        KasparroDb db,
        [FromQuery] string? source,
        [FromQuery] string? kind,
        [FromQuery] string? limit,
        [FromQuery] string? offset,
        [FromQuery] string? format,
        CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var sourceFilter = query.OneOf(source, "source", SourceNames.All.ToArray());
        var kindFilter = query.OneOf(kind, "kind", Kinds);
        var pageSize = query.Limit(limit, 50);
        var skip = query.Offset(offset);
        var csv = CsvExport.IsRequested(context.Request, format, query);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var events = db.SchemaDriftEvents.AsNoTracking();
        if (sourceFilter is not null)
        {
            events = events.Where(d => d.Source == sourceFilter);
        }

        if (kindFilter is not null)
        {
            events = events.Where(d => d.Kind == kindFilter);
        }

        var ordered = events.OrderByDescending(d => d.LastSeen).ThenByDescending(d => d.Id).Skip(skip);
        if (csv)
        {
            return CsvExport.Of("drift.csv", (limit is null ? ordered : ordered.Take(pageSize)).Select(ToDriftItem).AsAsyncEnumerable());
        }

        var total = await events.LongCountAsync(cancellationToken);
        var page = await ordered.Take(pageSize).Select(ToDriftItem).ToListAsync(cancellationToken);
        return TypedResults.Ok(Page<DriftItem>.Of(page, pageSize, skip, total));
    }

    public static async Task<Results<Ok<Page<QuarantineItem>>, CsvExport, ValidationProblem>> ListQuarantineAsync(
        HttpContext context,
        KasparroDb db,
        [FromQuery] string? source,
        [FromQuery(Name = "run_id")] string? runId,
        [FromQuery] string? limit,
        [FromQuery] string? offset,
        [FromQuery] string? format,
        CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var sourceFilter = query.OneOf(source, "source", SourceNames.All.ToArray());
        var runFilter = query.Id(runId, "run_id");
        var pageSize = query.Limit(limit, 50);
        var skip = query.Offset(offset);
        var csv = CsvExport.IsRequested(context.Request, format, query);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var records = db.QuarantinedRecords.AsNoTracking();
        if (sourceFilter is not null)
        {
            records = records.Where(q => q.Source == sourceFilter);
        }

        if (runFilter is not null)
        {
            records = records.Where(q => q.RunId == runFilter);
        }

        var ordered = records.OrderByDescending(q => q.QuarantinedAt).ThenByDescending(q => q.Id).Skip(skip);
        if (csv)
        {
            return CsvExport.Of("quarantine.csv", (limit is null ? ordered : ordered.Take(pageSize)).Select(ToQuarantineItem).AsAsyncEnumerable());
        }

        var total = await records.LongCountAsync(cancellationToken);
        var page = await ordered.Take(pageSize).Select(ToQuarantineItem).ToListAsync(cancellationToken);
        return TypedResults.Ok(Page<QuarantineItem>.Of(page, pageSize, skip, total));
    }
}
