using System.Linq.Expressions;
using Kasparro.Contracts;
using Kasparro.Api.Endpoints;
using Kasparro.Api.Exports;
using Kasparro.Api.Quality;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Api.Runs;

/// <summary>ETL run history: <c>GET /runs</c>, <c>GET /runs/{id}</c> and <c>GET /compare-runs</c>.</summary>
public static class RunsApi
{
    private const int QuarantinePreview = 100;
    private static readonly string[] Statuses = [EtlRunStatus.Running, EtlRunStatus.Success, EtlRunStatus.Partial, EtlRunStatus.Failed];

    /// <summary>The columns <c>GET /runs</c> sorts by (<c>sort=fetched</c> ascending, <c>sort=-fetched</c> descending).</summary>
    private static readonly string[] SortKeys = ["started_at", "source", "status", "duration_ms", "fetched", "inserted", "quarantined"];
    private static readonly string[] Sorts = [.. SortKeys, .. SortKeys.Select(k => "-" + k)];

    /// <summary>The one projection of a run row into its API shape.</summary>
    public static readonly Expression<Func<EtlRun, RunItem>> ToItem = r => new RunItem(
        r.Id, r.Source, r.Status, r.Trigger, r.TriggerId, UtcTime.Of(r.StartedAt), UtcTime.Of(r.FinishedAt),
        r.DurationMs, r.Fetched, r.Inserted, r.Updated, r.Unchanged, r.Quarantined, r.Requests, r.Retries, r.ErrorMessage, r.Worker);

    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder routes)
    {
        var runs = routes.MapGroup("").WithTags("Runs").ProducesProblem(StatusCodes.Status429TooManyRequests);
        runs.MapGet("/runs", ListRunsAsync).WithName("ListRuns").WithSummary("ETL runs, newest first").WithDescription(CsvExport.Description);
        runs.MapGet("/runs/{id}", GetRunAsync).WithName("GetRun").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("One ETL run with its drift events and quarantined records");
        runs.MapGet("/compare-runs", CompareRunsAsync).WithName("CompareRuns").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("Two ETL runs side by side, with anomaly flags");
        return routes;
    }

    public static async Task<Results<Ok<Page<RunItem>>, CsvExport, ValidationProblem>> ListRunsAsync(
        HttpContext context,
        KasparroDb db,
        [FromQuery] string? limit,
        [FromQuery] string? offset,
        [FromQuery] string? source,
        [FromQuery] string? status,
        [FromQuery(Name = "trigger_id")] string? triggerId,
        [FromQuery] string? sort,
        [FromQuery] string? format,
        CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var listing = ListingRequest.Read(query, context.Request, limit, offset, format, 20);
        var order = query.OneOf(sort, "sort", Sorts) ?? "-started_at";
        var sourceFilter = query.OneOf(source, "source", SourceNames.All.ToArray());
        var statusFilter = query.OneOf(status, "status", Statuses);
        var triggerFilter = query.Text(triggerId, "trigger_id");
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var rows = db.EtlRuns.AsNoTracking()
            .WhereGiven(sourceFilter, r => r.Source == sourceFilter)
            .WhereGiven(statusFilter, r => r.Status == statusFilter)
            .WhereGiven(triggerFilter, r => r.TriggerId == triggerFilter);

        return await Listing.AnswerAsync(rows, matches => Sorted(matches, order), ToItem, listing, "runs.csv", cancellationToken);
    }

    /// <summary>Orders runs by one column; the newest run first among equals, so paging is stable.</summary>
    private static IQueryable<EtlRun> Sorted(IQueryable<EtlRun> rows, string sort)
    {
        var descending = sort.StartsWith('-');
        IOrderedQueryable<EtlRun> ordered = sort.TrimStart('-') switch
        {
            "source" => descending ? rows.OrderByDescending(r => r.Source) : rows.OrderBy(r => r.Source),
            "status" => descending ? rows.OrderByDescending(r => r.Status) : rows.OrderBy(r => r.Status),
            "duration_ms" => descending ? rows.OrderByDescending(r => r.DurationMs) : rows.OrderBy(r => r.DurationMs),
            "fetched" => descending ? rows.OrderByDescending(r => r.Fetched) : rows.OrderBy(r => r.Fetched),
            "inserted" => descending ? rows.OrderByDescending(r => r.Inserted) : rows.OrderBy(r => r.Inserted),
            "quarantined" => descending ? rows.OrderByDescending(r => r.Quarantined) : rows.OrderBy(r => r.Quarantined),
            _ => descending ? rows.OrderByDescending(r => r.StartedAt) : rows.OrderBy(r => r.StartedAt),
        };
        return ordered.ThenByDescending(r => r.StartedAt).ThenByDescending(r => r.Id);
    }

    public static async Task<Results<Ok<RunDetail>, ProblemHttpResult, ValidationProblem>> GetRunAsync(
        KasparroDb db, string id, CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var runId = query.Id(id, "id", required: true);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var run = await db.EtlRuns.AsNoTracking().Where(r => r.Id == runId).Select(ToItem).FirstOrDefaultAsync(cancellationToken);
        if (run is null)
        {
            return ApiProblems.NotFound($"There is no run {runId}.");
        }

        var drift = await db.SchemaDriftEvents.AsNoTracking()
            .Where(d => d.FirstRunId == runId || d.LastRunId == runId)
            .OrderByDescending(d => d.LastSeen).ThenBy(d => d.Id)
            .Select(QualityApi.ToDriftItem).ToListAsync(cancellationToken);
        var quarantined = db.QuarantinedRecords.AsNoTracking().Where(q => q.RunId == runId);
        var quarantinedTotal = await quarantined.LongCountAsync(cancellationToken);
        var preview = await quarantined.OrderBy(q => q.Id).Take(QuarantinePreview).Select(QualityApi.ToQuarantineItem).ToListAsync(cancellationToken);

        return TypedResults.Ok(new RunDetail(run.Id, run.Source, run.Status, run.Trigger, run.TriggerId, run.StartedAt, run.FinishedAt,
            run.DurationMs, run.Fetched, run.Inserted, run.Updated, run.Unchanged, run.Quarantined, run.Requests, run.Retries,
            run.ErrorMessage, run.Worker, drift, preview, quarantinedTotal));
    }

    public static async Task<Results<Ok<RunComparison>, ProblemHttpResult, ValidationProblem>> CompareRunsAsync(
        KasparroDb db,
        [FromQuery(Name = "run_a")] string? runA,
        [FromQuery(Name = "run_b")] string? runB,
        CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var idA = query.Id(runA, "run_a", required: true);
        var idB = query.Id(runB, "run_b", required: true);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var found = await db.EtlRuns.AsNoTracking().Where(r => r.Id == idA || r.Id == idB).Select(ToItem).ToListAsync(cancellationToken);
        var a = found.FirstOrDefault(r => r.Id == idA);
        var b = found.FirstOrDefault(r => r.Id == idB);
        if (a is null || b is null)
        {
            return ApiProblems.NotFound($"There is no run {(a is null ? idA : idB)}.");
        }

        var newDrift = await db.SchemaDriftEvents.AsNoTracking()
            .Where(d => d.FirstRunId == b.Id)
            .OrderBy(d => d.Id)
            .Select(d => d.Field + " (" + d.Kind + ")")
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(RunComparer.Compare(a, b, newDrift));
    }
}
