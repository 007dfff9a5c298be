using Kasparro.Contracts;
using Kasparro.Api.Endpoints;
using Kasparro.Api.Security;
using Kasparro.Api.Stats;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Data.Operations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Kasparro.Api.Sources;

/// <summary>
/// <c>GET /sources</c>: every source's drift policy, pause state and freshness; <c>POST /sources/{source}/resume</c>: lift a
/// pause (breaking drift under <c>OnDrift = pause</c>), for operators like <c>POST /trigger-etl</c>, audited.
/// </summary>
public static class SourcesApi
{
    public static IEndpointRouteBuilder MapSourcesApi(this IEndpointRouteBuilder routes)
    {
        var sources = routes.MapGroup("/sources").WithTags("Quality").ProducesProblem(StatusCodes.Status429TooManyRequests);
        sources.MapGet("", ListSourcesAsync).WithName("ListSources")
            .WithSummary("Every source's schema-drift policy, pause state and freshness against its targets");
        sources.MapPost("/{source}/resume", ResumeAsync).WithName("ResumeSource")
            .WithSummary("Resume a source paused by breaking schema drift (operator key, operator user or scheduler token)")
            .RequireOperator()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return routes;
    }

    public static async Task<Ok<SourceControlList>> ListSourcesAsync(
        NpgsqlDataSource dataSource, KasparroDb db, SourcePolicies policies, FreshnessReport freshness, CancellationToken cancellationToken)
    {
        var states = await SourcePauses.GetAllAsync(dataSource, cancellationToken);
        var fresh = await freshness.ReadAsync(db, cancellationToken);
        var items = SourceNames.Catalog.Select(info =>
        {
            var source = info.Name;
            var state = states.GetValueOrDefault(source);
            return new SourceControlItem(source, policies.For(source).OnDrift.ToString().ToLowerInvariant(), state?.IsPaused ?? false,
                UtcTime.Of(state?.PausedAt), state?.PauseReason, state?.PausedRunId, UtcTime.Of(state?.ResumedAt), state?.ResumedBy, fresh[source],
                info.DisplayName, info.Snapshot);
        }).ToList();
        return TypedResults.Ok(new SourceControlList(items));
    }

    public static async Task<Results<Ok<SourceResumed>, ProblemHttpResult>> ResumeAsync(
        HttpContext context, NpgsqlDataSource dataSource, AuditLog audit, TimeProvider clock, ILoggerFactory logs,
        string source, CancellationToken cancellationToken)
    {
        if (!SourceNames.IsKnown(source))
        {
            return ApiProblems.NotFound($"There is no source '{source}'; known: {string.Join(", ", SourceNames.All)}.");
        }

        var resumed = await SourcePauses.ResumeAsync(dataSource, source, "api", clock.GetUtcNow(), cancellationToken);
        await audit.RecordAsync(context.User, AuditActions.SourceResume, source, resumed is null ? AuditOutcomes.Failure : AuditOutcomes.Success,
            resumed is null ? "not paused" : $"paused by run {resumed.PausedRunId}", CancellationToken.None);
        if (resumed is null)
        {
            return TypedResults.Problem($"{source} is not paused: nothing to resume.", statusCode: StatusCodes.Status409Conflict, title: "Source not paused");
        }

        logs.CreateLogger(typeof(SourcesApi)).LogInformation("Source {Source} resumed through the API (paused by run {RunId}: {Reason})",
            source, resumed.PausedRunId, resumed.PauseReason);
        return TypedResults.Ok(new SourceResumed(source, resumed.PausedAt!.Value.UtcDateTime, resumed.PauseReason, resumed.PausedRunId,
            resumed.ResumedAt!.Value.UtcDateTime, "api"));
    }
}
