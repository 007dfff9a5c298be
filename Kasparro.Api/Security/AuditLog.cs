using System.Security.Claims;
using Kasparro.Data;
using Kasparro.Data.Entities;

namespace Kasparro.Api.Security;

/// <summary>
/// Writes <c>audit_events</c>: who (the caller's actor name: <c>api-key:NAME</c>, <c>dashboard:alice</c>,
/// <c>scheduler</c>) did what to which target, and how it ended. Acting endpoints call it once per request.
/// </summary>
public sealed class AuditLog(KasparroDb db, TimeProvider clock)
{
    /// <summary>The actor name of a caller, as runs and audit lines show it.</summary>
    public static string ActorOf(ClaimsPrincipal user) => user.FindFirst(ApiClaims.Actor)?.Value ?? "anonymous";

    public async Task RecordAsync(ClaimsPrincipal user, string action, string? target, string outcome, string? detail, CancellationToken cancellationToken)
    {
        db.AuditEvents.Add(new AuditEvent
        {
            At = clock.GetUtcNow(),
            Actor = ActorOf(user),
            Action = action,
            Target = target,
            Outcome = outcome,
            Detail = detail,
        });
        await db.SaveChangesAsync(cancellationToken);
    }
}
