namespace Kasparro.Api.Security;

/// <summary>
/// Request feature set when the request carried a credential that was refused (the authentication middleware keeps
/// only successful results), so policies refuse it even where anonymous access is allowed, and the challenge says why.
/// </summary>
public sealed record RejectedCredential(string Scheme)
{
    /// <summary>Whether the request's credential was refused.</summary>
    public static bool On(HttpContext context) => context.Features.Get<RejectedCredential>() is not null;
}
