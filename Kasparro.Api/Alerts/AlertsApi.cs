using System.Globalization;
using System.Text.Json;
using Kasparro.Contracts;
using Kasparro.Api.Endpoints;
using Kasparro.Api.Exports;
using Kasparro.Api.Security;
using Kasparro.Data;
using Kasparro.Data.Alerts;
using Kasparro.Data.Entities;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Api.Alerts;

/// <summary>
/// Alerting: the rules (<c>GET/POST/DELETE /alerts/rules</c>; changes need an operator, like
/// <c>POST /trigger-etl</c>, and are audited) and the alerts the ingestion service opened and resolved (<c>GET /alerts</c>).
/// </summary>
public static class AlertsApi
{
    private static readonly string[] States = [AlertStates.Open, AlertStates.Resolved];
    private static readonly string[] RequestFields = ["kind", "asset_id", "source", "threshold_pct", "window", "stale_after", "cooldown"];

    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder routes)
    {
        var alerts = routes.MapGroup("").WithTags("Alerts").ProducesProblem(StatusCodes.Status429TooManyRequests);
        alerts.MapGet("/alerts", ListAlertsAsync).WithName("ListAlerts").WithSummary("Alerts, open or resolved, newest first").WithDescription(CsvExport.Description);
        alerts.MapGet("/alerts/rules", ListRulesAsync).WithName("ListAlertRules").WithSummary("Every alert rule, configured and created through the API");
        alerts.MapGet("/alerts/rules/{id}", GetRuleAsync).WithName("GetAlertRule").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("One alert rule");
        alerts.MapPost("/alerts/rules", CreateRuleAsync).WithName("CreateAlertRule")
            .WithSummary("Create an alert rule (operator key, operator user or scheduler token)")
            .Accepts<AlertRuleRequest>("application/json")
            .RequireOperator();
        alerts.MapDelete("/alerts/rules/{id}", DeleteRuleAsync).WithName("DeleteAlertRule")
            .WithSummary("Delete an alert rule created through the API, with its alerts (operator key, operator user or scheduler token)")
            .RequireOperator()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return routes;
    }

    public static async Task<Results<Ok<Page<AlertItem>>, CsvExport, ValidationProblem>> ListAlertsAsync(
        HttpContext context,
        KasparroDb db,
        [FromQuery] string? state,
        [FromQuery] string? limit,
        [FromQuery] string? offset,
        [FromQuery] string? format,
        CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var listing = ListingRequest.Read(query, context.Request, limit, offset, format, 20);
        var stateFilter = query.OneOf(state, "state", States);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var rows = (from a in db.Alerts.AsNoTracking()
                    join r in db.AlertRules.AsNoTracking() on a.RuleId equals r.Id
                    select new { Alert = a, r.Kind })
            .WhereGiven(stateFilter, x => x.Alert.State == stateFilter);

        // ToItem runs on the rows read (it parses details): EF evaluates a final projection on the client.
        // details is a JSON object: like every nested value it is not exported as CSV (see CsvExport).
        return await Listing.AnswerAsync(rows,
            matches => stateFilter == AlertStates.Resolved
                ? matches.OrderByDescending(x => x.Alert.ResolvedAt).ThenByDescending(x => x.Alert.Id)
                : matches.OrderByDescending(x => x.Alert.OpenedAt).ThenByDescending(x => x.Alert.Id),
            x => ToItem(x.Alert, x.Kind),
            listing, "alerts.csv", cancellationToken);
    }

    public static async Task<Ok<AlertRuleList>> ListRulesAsync(KasparroDb db, CancellationToken cancellationToken)
    {
        var rules = await db.AlertRules.AsNoTracking().OrderBy(r => r.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(new AlertRuleList(rules.ConvertAll(ToItem)));
    }

    public static async Task<Results<Ok<AlertRuleItem>, ProblemHttpResult, ValidationProblem>> GetRuleAsync(KasparroDb db, string id, CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var ruleId = query.Id(id, "id", required: true);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var rule = await db.AlertRules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        return rule is null ? ApiProblems.NotFound($"There is no alert rule {ruleId}.") : TypedResults.Ok(ToItem(rule));
    }

    public static async Task<Results<Created<AlertRuleItem>, ValidationProblem, ProblemHttpResult>> CreateRuleAsync(
        HttpContext context, KasparroDb db, AuditLog audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var definition = await ReadDefinitionAsync(context.Request, errors, cancellationToken);
        if (definition is not null)
        {
            foreach (var problem in definition.Problems())
            {
                errors.TryAdd(problem.Field, [problem.Message]);
            }
        }

        if (errors.Count > 0 || definition is null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var rule = definition.ToRule(AlertRuleOrigins.Api, clock.GetUtcNow());
        db.AlertRules.Add(rule);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(context.User, AuditActions.AlertRuleCreate, $"alert_rule:{rule.Id}", AuditOutcomes.Success, $"kind={rule.Kind}", CancellationToken.None);
        return TypedResults.Created($"/alerts/rules/{rule.Id}", ToItem(rule));
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteRuleAsync(
        HttpContext context, KasparroDb db, AuditLog audit, string id, CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var ruleId = query.Id(id, "id", required: true);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var rule = await db.AlertRules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
        {
            return ApiProblems.NotFound($"There is no alert rule {ruleId}.");
        }

        if (rule.Origin == AlertRuleOrigins.Config)
        {
            return TypedResults.Problem(
                $"Alert rule {ruleId} comes from configuration (Alerts:Rules); remove it there, it is synced when the ingestion service starts.",
                statusCode: StatusCodes.Status409Conflict, title: "Configured rule");
        }

        await db.AlertRules.Where(r => r.Id == ruleId).ExecuteDeleteAsync(cancellationToken);
        await audit.RecordAsync(context.User, AuditActions.AlertRuleDelete, $"alert_rule:{ruleId}", AuditOutcomes.Success, $"kind={rule.Kind}", CancellationToken.None);
        return TypedResults.NoContent();
    }

    private static AlertRuleItem ToItem(AlertRule r) => new(
        r.Id, r.Kind, r.AssetId, r.Source, r.ThresholdPct, Duration(r.Window), Duration(r.StaleAfter), Duration(r.Cooldown)!, r.Origin, UtcTime.Of(r.CreatedAt));

    private static AlertItem ToItem(Alert alert, string kind) => new(
        alert.Id, alert.RuleId, kind, alert.Subject, alert.State, UtcTime.Of(alert.OpenedAt), UtcTime.Of(alert.ResolvedAt),
        UtcTime.Of(alert.LastNotifiedAt), JsonValue(alert.Details));

    private static JsonElement JsonValue(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string? Duration(TimeSpan? value) => value?.ToString("c", CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads the body by hand rather than binding it, so a wrong type or an unknown field is a 400 naming the field,
    /// like every other validation error, instead of the framework's bare "bad request".
    /// </summary>
    private static async Task<AlertRuleDefinition?> ReadDefinitionAsync(HttpRequest request, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            errors["body"] = ["must be a JSON object: {\"kind\": \"divergence\", \"threshold_pct\": 2}"];
            return null;
        }

        using (document)
        {
            var body = document.RootElement;
            if (body.ValueKind != JsonValueKind.Object)
            {
                errors["body"] = ["must be a JSON object: {\"kind\": \"divergence\", \"threshold_pct\": 2}"];
                return null;
            }

            foreach (var property in body.EnumerateObject())
            {
                if (!RequestFields.Contains(property.Name, StringComparer.Ordinal))
                {
                    errors.TryAdd(property.Name, [$"is not a rule field: {string.Join(", ", RequestFields)}"]);
                }
            }

            var kind = Text(body, "kind", errors);
            var assetId = Text(body, "asset_id", errors);
            var source = Text(body, "source", errors);
            decimal? threshold = null;
            if (body.TryGetProperty("threshold_pct", out var thresholdValue) && thresholdValue.ValueKind != JsonValueKind.Null)
            {
                if (thresholdValue.ValueKind == JsonValueKind.Number && thresholdValue.TryGetDecimal(out var parsed))
                {
                    threshold = parsed;
                }
                else
                {
                    errors.TryAdd("threshold_pct", ["must be a number (percent, e.g. 2.5)"]);
                }
            }

            var window = Duration(body, "window", errors);
            var staleAfter = Duration(body, "stale_after", errors);
            var cooldown = Duration(body, "cooldown", errors);
            return errors.Count > 0 ? null : new AlertRuleDefinition(kind, assetId, source, threshold, window, staleAfter, cooldown);
        }
    }

    private static string? Text(JsonElement body, string name, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.TryAdd(name, ["must be a string"]);
            return null;
        }

        return value.GetString();
    }

    private static TimeSpan? Duration(JsonElement body, string name, Dictionary<string, string[]> errors)
    {
        var text = Text(body, name, errors);
        if (text is null)
        {
            return null;
        }

        if (text.Length > QueryValidator.MaxTextLength || !TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var value))
        {
            errors.TryAdd(name, ["must be a duration [d.]hh:mm:ss, e.g. 01:00:00 or 1.00:00:00"]);
            return null;
        }

        return value;
    }
}
