namespace Kasparro.Api.Security;

/// <summary>How an acting endpoint (trigger, alert rule edits, source resume) is declared: operators only, with the
/// 401 and 403 problems that brings in the OpenAPI document.</summary>
public static class OperatorEndpoints
{
    public static RouteHandlerBuilder RequireOperator(this RouteHandlerBuilder endpoint) =>
        endpoint.RequireAuthorization(ApiPolicies.Operator)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
}
