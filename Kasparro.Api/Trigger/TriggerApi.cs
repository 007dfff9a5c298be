using Kasparro.Contracts;
using Kasparro.Api.Endpoints;
using Kasparro.Api.Runs;
using Kasparro.Api.Security;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Data.Scheduling;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace Kasparro.Api.Trigger;

/// <summary>
/// <c>POST /trigger-etl</c>: asks Kasparro.Ingestion for a run by writing a one-off trigger into the shared Quartz
/// store. The manual trigger's key is unique per source, so of two concurrent requests exactly one is queued.
/// Operators only: an operator key, a signed-in operator forwarded by the dashboard, or the scheduler token.
/// </summary>
public static class TriggerApi
{
    public static IEndpointRouteBuilder MapTriggerApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/trigger-etl", TriggerAsync)
            .WithName("TriggerEtl")
            .WithSummary("Queue an ETL run now for one source or every snapshot source (operator key, operator user or scheduler token)")
            .WithTags("Runs")
            .RequireOperator()
            .Produces<Contracts.TriggerConflict>(StatusCodes.Status409Conflict, "application/problem+json")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return routes;
    }

    public static async Task<Results<Accepted<TriggerAccepted>, ValidationProblem, ProblemHttpResult>> TriggerAsync(
        HttpContext context,
        KasparroDb db,
        AuditLog audit,
        TimeProvider clock,
        ILoggerFactory logs,
        [FromQuery] string? source,
        [FromQuery(Name = "full_refresh")] string? fullRefresh,
        CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var only = query.OneOf(source, "source", SourceNames.All.ToArray());
        var refresh = query.OneOf(fullRefresh, "full_refresh", ["true", "false"]) == "true";
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        IReadOnlyList<string> sources = only is null ? SourceNames.Snapshot : [only];
        var running = await db.EtlRuns.AsNoTracking()
            .Where(r => r.Status == EtlRunStatus.Running && sources.Contains(r.Source))
            .OrderByDescending(r => r.StartedAt)
            .Select(RunsApi.ToItem)
            .FirstOrDefaultAsync(cancellationToken);
        var target = string.Join(",", sources);
        if (running is not null)
        {
            await audit.RecordAsync(context.User, AuditActions.EtlTrigger, target, AuditOutcomes.Failure, $"run {running.Id} of {running.Source} in progress", cancellationToken);
            return Busy(running.Source, running);
        }

        // Resolved only now: an unauthenticated request must not build the scheduler (and reach the store).
        var scheduler = context.RequestServices.GetRequiredKeyedService<IScheduler>(EtlScheduling.SchedulerName);
        foreach (var name in sources)
        {
            if (!await scheduler.Exists(new JobKey(EtlScheduling.JobName(name), EtlScheduling.JobGroup), cancellationToken))
            {
                return Problem(StatusCodes.Status503ServiceUnavailable, "Ingestion is not ready", $"ingestion has not registered its jobs yet (no job for {name}); retry shortly.");
            }
        }

        var triggerId = Guid.NewGuid().ToString("N");
        var scheduled = new List<TriggerKey>();
        foreach (var name in sources)
        {
            var key = new TriggerKey(EtlScheduling.JobName(name), EtlScheduling.ManualTriggerGroup);
            var trigger = TriggerBuilder.Create(clock)
                .WithIdentity(key)
                .ForJob(EtlScheduling.JobName(name), EtlScheduling.JobGroup)
                .UsingJobData(EtlScheduling.TriggerIdKey, triggerId)
                .UsingJobData(EtlScheduling.TriggerKey, TriggerName(context))
                .UsingJobData(EtlScheduling.FullRefreshKey, refresh ? "true" : "false")
                .StartNow()
                .Build();
            try
            {
                await scheduler.ScheduleJob(trigger, default, cancellationToken);
                scheduled.Add(key);
            }
            catch (ObjectAlreadyExistsException)
            {
                // All or nothing: a request for every source does not half-happen.
                foreach (var done in scheduled)
                {
                    await scheduler.UnscheduleJob(done, CancellationToken.None);
                }

                await audit.RecordAsync(context.User, AuditActions.EtlTrigger, target, AuditOutcomes.Failure, $"a run of {name} is already queued", CancellationToken.None);
                return Busy(name, null);
            }
        }

        await audit.RecordAsync(context.User, AuditActions.EtlTrigger, target, AuditOutcomes.Success, $"trigger_id={triggerId}", CancellationToken.None);
        logs.CreateLogger(typeof(TriggerApi)).LogInformation("Manual ETL trigger {TriggerId} queued for {Sources} by {Actor}", triggerId, target, AuditLog.ActorOf(context.User));
        var link = $"/runs?trigger_id={triggerId}";
        return TypedResults.Accepted(link, new TriggerAccepted(triggerId, "queued", sources, clock.GetUtcNow().UtcDateTime, new TriggerLinks(link)));
    }

    /// <summary>
    /// What the run's <c>trigger</c> will say: <c>manual</c> for the scheduler token (as before), else who asked
    /// (<c>api-key:NAME</c>, <c>dashboard:alice</c>).
    /// </summary>
    private static string TriggerName(HttpContext context) =>
        context.User.FindFirst(ApiClaims.Actor)?.Value is { } actor && actor != SchedulerTokenAuthenticationHandler.Actor
            ? actor
            : EtlScheduling.ManualTriggerGroup;

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);

    /// <summary>409 problem (<see cref="Contracts.TriggerConflict"/>) carrying the run in progress, or null when a run is only queued.</summary>
    private static ProblemHttpResult Busy(string source, RunItem? running) =>
        TypedResults.Problem(
            running is null ? $"A run of {source} is already queued." : $"Run {running.Id} of {source} is in progress.",
            statusCode: StatusCodes.Status409Conflict,
            title: "ETL already running or queued",
            extensions: new Dictionary<string, object?> { ["running_run"] = running });
}
