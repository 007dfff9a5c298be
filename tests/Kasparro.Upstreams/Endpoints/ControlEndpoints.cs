using Microsoft.AspNetCore.Http.HttpResults;
using Kasparro.Upstreams.Faults;

namespace Kasparro.Upstreams.Endpoints;

/// <summary>Control endpoints under <c>/_upstream</c> so an out-of-process server (standalone, or started by
/// the AppHost test) can be steered the way in-process tests steer <see cref="UpstreamServer"/>.</summary>
internal static class ControlEndpoints
{
    public static void MapUpstreamControl(this IEndpointRouteBuilder routes, UpstreamState state)
    {
        var group = routes.MapGroup("/_upstream").WithTags("Control");
        group.MapGet("/state", () => TypedResults.Ok(new
        {
            universe = state.Universe.Name,
            coins = state.Universe.Coins.Count,
            snapshot = state.Universe.Snapshot,
            asOf = state.Universe.AsOf,
            requests = state.Log.Count,
            rateLimitViolations = Enum.GetValues<UpstreamApi>().ToDictionary(a => a.ToString(), state.ViolationsOf),
            drift = state.Drift.ToString(),
        }));
        group.MapPost("/snapshot", Results<Ok<object>, BadRequest<string>> (int changed) =>
        {
            if (changed < 0 || changed > state.Universe.Coins.Count)
            {
                return TypedResults.BadRequest($"changed must be between 0 and {state.Universe.Coins.Count}");
            }

            // Out of process the stack runs on the wall clock: the new snapshot is "now", never in the future.
            var moved = state.Universe.AdvanceSnapshot(changed, state.Clock.GetUtcNow());
            return TypedResults.Ok<object>(new { snapshot = state.Universe.Snapshot, changed = moved.Select(c => c.Key) });
        });
        group.MapPost("/faults/{route}", Results<NoContent, BadRequest<string>> (UpstreamRoute route, FaultKind kind, int? times, int? retryAfter, int? delayMs, bool? persistent) =>
        {
            if (times is < 1)
            {
                return TypedResults.BadRequest("times must be at least 1");
            }

            var fault = new Fault(kind, retryAfter is { } s ? TimeSpan.FromSeconds(s) : null,
                delayMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, ChunkBytes: 64, StatusCode: 502);
            if (persistent == true)
            {
                state.Faults.Persistent(route, fault);
            }
            else
            {
                state.Faults.Enqueue(route, fault, times ?? 1);
            }

            return TypedResults.NoContent();
        });
        group.MapDelete("/faults", () =>
        {
            state.Faults.Clear();
            return TypedResults.NoContent();
        });
        group.MapPut("/drift", (SchemaDrift drift) =>
        {
            state.Drift = drift;
            return TypedResults.NoContent();
        });
    }
}
