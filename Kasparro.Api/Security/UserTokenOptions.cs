namespace Kasparro.Api.Security;

/// <summary>
/// The <c>Authentication:Bearer</c> section: the identity provider whose access tokens the API accepts from the
/// dashboard, which forwards its signed-in user's token. Unset Authority: no bearer tokens are accepted.
/// </summary>
public sealed class UserTokenOptions
{
    public const string Section = "Authentication:Bearer";

    /// <summary>The OpenID Connect authority (issuer) the dashboard signs users in with.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience the tokens must be issued for (the API's app id URI or client id).</summary>
    public string? Audience { get; set; }

    /// <summary>Only for a loopback test provider: allows its discovery document over http.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority);
}
