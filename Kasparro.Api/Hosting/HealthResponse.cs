using System.Text.Json;
using Kasparro.Contracts;
using Kasparro.Api.Endpoints;
using Kasparro.Api.Stats;
using Kasparro.Data;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Kasparro.Api.Hosting;

/// <summary>Writes the <c>GET /health</c> body from the health report (the database check decides 200 or 503).</summary>
public static class HealthResponse
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        var body = Unavailable;
        if (report.Status != HealthStatus.Unhealthy)
        {
            try
            {
                var db = context.RequestServices.GetRequiredService<KasparroDb>();
                var last = await db.EtlRuns.AsNoTracking()
                    .OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id)
                    .Select(r => new LastEtlRun(r.Id, r.Source, r.Status, UtcTime.Of(r.StartedAt),
                        UtcTime.Of(r.FinishedAt), r.Fetched, r.Inserted, r.Updated, r.Unchanged, r.Quarantined))
                    .FirstOrDefaultAsync(context.RequestAborted);
                var freshness = await context.RequestServices.GetRequiredService<FreshnessReport>().ReadAsync(db, context.RequestAborted);
                body = new ServiceHealth("ok", "connected", last, freshness);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database went away between the check and this query: report it the same way.
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            }
        }

        context.Response.Headers.CacheControl = "no-store";
        var json = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        await context.Response.WriteAsJsonAsync(body, json, context.RequestAborted);
    }

    private static ServiceHealth Unavailable => new("unavailable", "disconnected", null);
}
