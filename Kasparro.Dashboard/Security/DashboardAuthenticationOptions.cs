namespace Kasparro.Dashboard.Security;

/// <summary>The <c>Authentication</c> section: how people sign in to the dashboard.</summary>
public sealed class DashboardAuthenticationOptions
{
    public const string Section = "Authentication";
    public const string ModeNone = "none";
    public const string ModeOidc = "oidc";

    /// <summary>
    /// <c>oidc</c> (sign-in through an OpenID Connect provider) or <c>none</c> (no sign-in, Development only).
    /// Unset: <c>none</c> in Development, <c>oidc</c> everywhere else.
    /// </summary>
    public string? Mode { get; set; }

    /// <summary>The <c>Authentication:Oidc</c> section.</summary>
    public OidcSettings Oidc { get; set; } = new();

    /// <summary>The mode in effect for an environment.</summary>
    public string EffectiveMode(IHostEnvironment environment) =>
        string.IsNullOrWhiteSpace(Mode) ? (environment.IsDevelopment() ? ModeNone : ModeOidc) : Mode.Trim().ToLowerInvariant();

    /// <summary>
    /// Why the dashboard must not start with this configuration, or null. Never silently open: <c>none</c> outside
    /// Development, or <c>oidc</c> without its keys, stops the start with a message naming the keys.
    /// </summary>
    public string? Problem(IHostEnvironment environment)
    {
        var mode = EffectiveMode(environment);
        const string Needed = "Authentication:Mode=oidc with Authentication:Oidc:Authority, Authentication:Oidc:ClientId and Authentication:Oidc:ClientSecret";
        if (mode == ModeNone)
        {
            return environment.IsDevelopment()
                ? null
                : $"Authentication:Mode=none (no sign-in) is allowed only in Development; this is {environment.EnvironmentName}. Set {Needed} (docs/deploy.md).";
        }

        if (mode != ModeOidc)
        {
            return $"Authentication:Mode must be 'oidc' or 'none' (Development only), not '{Mode}'.";
        }

        var missing = new[]
        {
            ("Authentication:Oidc:Authority", Oidc.Authority),
            ("Authentication:Oidc:ClientId", Oidc.ClientId),
            ("Authentication:Oidc:ClientSecret", Oidc.ClientSecret),
        }.Where(k => string.IsNullOrWhiteSpace(k.Item2)).Select(k => k.Item1).ToList();
        return missing.Count == 0
            ? null
            : $"The dashboard refuses to start without sign-in configured: {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} not set. Set {Needed} (docs/deploy.md), or run in Development with Authentication:Mode=none.";
    }
}

/// <summary>The <c>Authentication:Oidc</c> section: the OpenID Connect provider (Microsoft Entra ID or any other).</summary>
public sealed class OidcSettings
{
    /// <summary>The issuer, e.g. <c>https://login.microsoftonline.com/{tenant}/v2.0</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The dashboard's client (application) id at the provider.</summary>
    public string? ClientId { get; set; }

    /// <summary>The dashboard's client secret (a secret: user-secrets, azd parameter or Key Vault reference).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Scopes beyond <c>openid profile</c>: the API's scope, so the access token the dashboard forwards is for the API.</summary>
    public string[] Scopes { get; set; } = [];

    /// <summary>Only for a loopback test provider: allows its discovery document over http.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}
