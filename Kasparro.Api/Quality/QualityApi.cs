using System.Linq.Expressions;
using Kasparro.Contracts;
using Kasparro.Api.Endpoints;
using Kasparro.Api.Exports;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Api.Quality;

/// <summary>Data quality: schema drift (<c>GET /drift</c>) and quarantined records (<c>GET /quarantine</c>).</summary>
public static class QualityApi
{
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
        var kindFilter = query.OneOf(kind, "kind", DriftKinds.All);
        var listing = ListingRequest.Read(query, context.Request, limit, offset, format, 50);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var events = db.SchemaDriftEvents.AsNoTracking()
            .WhereGiven(sourceFilter, d => d.Source == sourceFilter)
            .WhereGiven(kindFilter, d => d.Kind == kindFilter);

        return await Listing.AnswerAsync(events, matches => matches.OrderByDescending(d => d.LastSeen).ThenByDescending(d => d.Id), ToDriftItem,
            listing, "drift.csv", cancellationToken);
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
        var listing = ListingRequest.Read(query, context.Request, limit, offset, format, 50);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var records = db.QuarantinedRecords.AsNoTracking()
            .WhereGiven(sourceFilter, q => q.Source == sourceFilter)
            .WhereGiven(runFilter, q => q.RunId == runFilter);

        return await Listing.AnswerAsync(records, matches => matches.OrderByDescending(q => q.QuarantinedAt).ThenByDescending(q => q.Id), ToQuarantineItem,
            listing, "quarantine.csv", cancellationToken);
    }
}
