using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Kasparro.Dashboard.Security;

/// <summary>
/// When a circuit opens or reconnects, reads the signed-in user's access token from that connection's request (its
/// sign-in cookie) into the circuit's <see cref="ApiCredentials"/>, so API calls made later from the circuit carry it.
/// </summary>
public sealed class UserTokenCircuitHandler(IHttpContextAccessor httpContext, ApiCredentials credentials) : CircuitHandler
{
    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (httpContext.HttpContext is { } context)
        {
            await credentials.RefreshFromAsync(context);
        }
    }
}
