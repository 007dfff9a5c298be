using System.Security.Claims;
using System.Text.Encodings.Web;
using Kasparro.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kasparro.Api.Security;

/// <summary>
/// Authenticates <c>Authorization: ApiKey &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c>: finds the key's row by its
/// public prefix and compares SHA-256 hashes in constant time. Refusals are counted and logged with the prefix at most.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccessMetrics metrics,
    TimeProvider clock)
    : CredentialAuthenticationHandler(options, logger, encoder, metrics)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    private const string Challenge = "ApiKey realm=\"kasparro\"";
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.Length > 0 && !authorization.StartsWith(SchemeName + " ", StringComparison.OrdinalIgnoreCase))
        {
            // Another scheme this API does not take (or Bearer where no user tokens are configured): not anonymous.
            return Reject("unsupported_scheme", null);
        }

        var presented = Presented(Request);
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (!ApiKeyText.TryReadPrefix(presented, out var prefix))
        {
            return Reject("malformed", null);
        }

        var db = Context.RequestServices.GetRequiredService<KasparroDb>();
        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Prefix == prefix, Context.RequestAborted);
        if (key is null)
        {
            return Reject("unknown", prefix);
        }

        // Hash comparison: the whole presented text must hash to the stored value, so a key that differs in
        // any character (the last one included) is refused, and the time taken does not say how much matched.
        if (!ApiKeyText.Matches(presented, key.KeyHash))
        {
            return Reject("wrong_secret", prefix);
        }

        if (key.RevokedAt is not null)
        {
            return Reject("revoked", prefix);
        }

        var now = clock.GetUtcNow();
        if (key.LastUsedAt is null || key.LastUsedAt < now - LastUsedResolution)
        {
            // At most one write per key and minute: last_used_at is for spotting unused keys, not for counting.
            var stale = now - LastUsedResolution;
            await db.ApiKeys.Where(k => k.Id == key.Id && (k.LastUsedAt == null || k.LastUsedAt < stale))
                .ExecuteUpdateAsync(set => set.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);
        }

        List<Claim> claims =
        [
            new(ClaimTypes.Name, key.Name),
            new(ClaimTypes.Role, key.Role),
            new(ApiClaims.Actor, $"api-key:{key.Name}"),
            new(ApiClaims.KeyId, key.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];
        if (key.RateLimitPerMinute is { } limit)
        {
            claims.Add(new Claim(ApiClaims.KeyRateLimit, limit.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        AccessProblems.UnauthorizedAsync(Context, Challenge,
            RejectedCredential.On(Context)
                ? "The API key is not valid (unknown, mistyped or revoked)."
                : $"Send an API key: Authorization: ApiKey <key>, or the {HeaderName} header.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        AccessProblems.ForbiddenAsync(Context, "Forbidden", "This key's role may not do this; it needs an operator key.");

    /// <summary>The key the request carries, null when it carries none.</summary>
    private static string? Presented(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(SchemeName + " ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization[(SchemeName.Length + 1)..].Trim();
        }

        return request.Headers.TryGetValue(HeaderName, out var header) ? header.ToString().Trim() : null;
    }

    private AuthenticateResult Reject(string reason, string? prefix)
    {
        Logger.LogWarning("Rejected API key {KeyPrefix}: {Reason}", prefix ?? "(none)", reason);
        return Refuse(reason, "The API key is not valid.");
    }
}
