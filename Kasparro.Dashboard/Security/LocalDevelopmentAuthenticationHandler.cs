using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Kasparro.Dashboard.Security;

/// <summary>
/// <c>Authentication:Mode=none</c> (Development only): everyone is the local developer, a viewer and an operator, so
/// the same policies guard the same pages and buttons as with sign-in on; the layout shows a banner saying so.
/// </summary>
public sealed class LocalDevelopmentAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "LocalDevelopment";
    public const string UserName = "local developer";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, UserName), new Claim(ClaimTypes.Role, DashboardRoles.Viewer), new Claim(ClaimTypes.Role, DashboardRoles.Operator)],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
