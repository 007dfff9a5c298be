using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Kasparro.Api.Security;

/// <summary>
/// What the API's own credential schemes (API keys, the scheduler token) share: how a presented credential is refused,
/// counted for <c>/metrics</c> and remembered on the request (<see cref="RejectedCredential"/>) so policies refuse it
/// even where anonymous access is allowed, and the challenge says the credential was wrong rather than missing.
/// </summary>
public abstract class CredentialAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccessMetrics metrics)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>Refuses the presented credential for <paramref name="reason"/> (the metric's label).</summary>
    protected AuthenticateResult Refuse(string reason, string failure)
    {
        metrics.Rejected(Scheme.Name, reason);
        Context.Features.Set(new RejectedCredential(Scheme.Name));
        return AuthenticateResult.Fail(failure);
    }
}
