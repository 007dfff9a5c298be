using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kasparro.Api.Endpoints;

/// <summary>
/// The one check guarding the API's operator actions (<c>POST /trigger-etl</c>, <c>POST/DELETE /alerts/rules</c>): the
/// <c>X-Scheduler-Token</c> header must match <c>Etl:SchedulerToken</c>; without a configured token they are refused.
/// </summary>
public static class SchedulerToken
{
    public const string Header = "X-Scheduler-Token";
    public const string Setting = "Etl:SchedulerToken";

    /// <summary>
    /// Null when the request may act; otherwise the 403 (no token configured: "{<paramref name="action"/>} is disabled",
    /// "...; <paramref name="refused"/>.") or 401 (missing or wrong token) problem to answer.
    /// </summary>
    public static ProblemHttpResult? Refusal(HttpContext context, IConfiguration configuration, string action, string refused)
    {
        var configured = configuration[Setting];
        if (string.IsNullOrEmpty(configured))
        {
            return TypedResults.Problem($"No scheduler token is configured ({Setting}); {refused}.", statusCode: StatusCodes.Status403Forbidden, title: $"{action} is disabled");
        }

        if (!Matches(context.Request.Headers[Header].ToString(), configured))
        {
            return TypedResults.Problem($"Send the scheduler token in the {Header} header.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        }

        return null;
    }

    /// <summary>Constant time, and hashed first so neither the content nor the length of the token leaks through timing.</summary>
    private static bool Matches(string presented, string configured) =>
        presented.Length > 0
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(configured)));
}
