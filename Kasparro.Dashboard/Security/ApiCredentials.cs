using Microsoft.AspNetCore.Authentication;

namespace Kasparro.Dashboard.Security;

/// <summary>
/// The credential the dashboard calls the API with on behalf of one circuit (one browser tab): with sign-in on, the
/// signed-in user's access token (saved in the encrypted sign-in cookie, read on the server, never given to the page);
/// with sign-in off, none (the local API allows anonymous reads, and Run now uses the configured scheduler token).
/// </summary>
public sealed class ApiCredentials(bool actsAsUser, IHttpContextAccessor? httpContext = null)
{
    private string? _accessToken;

    /// <summary>Whether calls carry the signed-in user's token (sign-in on) rather than the dashboard's own settings.</summary>
    public bool ActsAsUser { get; } = actsAsUser;

    /// <summary>The user's access token, once read from the request that opened or reconnected the circuit.</summary>
    public async Task<string?> AccessTokenAsync()
    {
        if (ActsAsUser && _accessToken is null && httpContext?.HttpContext is { } context)
        {
            _accessToken = await context.GetTokenAsync("access_token");
        }

        return _accessToken;
    }

    /// <summary>Takes the token of the request the circuit (re)connected with: a renewed sign-in replaces the old one.</summary>
    public async Task RefreshFromAsync(HttpContext context)
    {
        if (ActsAsUser && await context.GetTokenAsync("access_token") is { } token)
        {
            _accessToken = token;
        }
    }
}
