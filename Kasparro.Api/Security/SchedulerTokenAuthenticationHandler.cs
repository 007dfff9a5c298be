using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Kasparro.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Kasparro.Api.Security;

/// <summary>
/// Authenticates machine callers (cron, the scheduler) by the shared <c>X-Scheduler-Token</c>, which must match
/// <c>Scheduler:Token</c> (<see cref="SchedulerTokenOptions"/>); they act as operators. Without a configured token nobody authenticates this way.
/// </summary>
public sealed class SchedulerTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<SchedulerTokenOptions> schedulerToken,
    AccessMetrics metrics)
    : CredentialAuthenticationHandler(options, logger, encoder, metrics)
{
    public const string SchemeName = "SchedulerToken";
    /// <summary>The actor name runs and audit lines show for it.</summary>
    public const string Actor = "scheduler";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(SchedulerTokenOptions.HeaderName, out var header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var configured = schedulerToken.CurrentValue;
        if (!configured.IsConfigured)
        {
            return Task.FromResult(Reject("not_configured"));
        }

        if (!Matches(header.ToString(), configured.Token!))
        {
            return Task.FromResult(Reject("wrong_token"));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, Actor), new Claim(ClaimTypes.Role, ApiRoles.Operator), new Claim(ApiClaims.Actor, Actor)],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        !schedulerToken.CurrentValue.IsConfigured
            ? AccessProblems.ForbiddenAsync(Context, "Scheduler token disabled", $"No scheduler token is configured ({SchedulerTokenOptions.Setting}); requests carrying one are refused.")
            : AccessProblems.UnauthorizedAsync(Context, SchemeName, $"Send the scheduler token in the {SchedulerTokenOptions.HeaderName} header.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        AccessProblems.ForbiddenAsync(Context, "Forbidden", "The scheduler token may not do this.");

    /// <summary>Constant time, and hashed first so neither the content nor the length of the token leaks through timing.</summary>
    private static bool Matches(string presented, string configured) =>
        presented.Length > 0
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(configured)));

    private AuthenticateResult Reject(string reason)
    {
        Logger.LogWarning("Rejected scheduler token: {Reason}", reason);
        return Refuse(reason, "The scheduler token is not valid.");
    }
}
