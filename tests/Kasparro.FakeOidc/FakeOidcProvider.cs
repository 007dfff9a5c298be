using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Kasparro.FakeOidc;

/// <summary>
/// A small OpenID Connect provider for tests, on 127.0.0.1 with an OS-chosen port: discovery, JWKS, the authorization
/// code flow with PKCE (<c>/authorize</c> signs in the user the test chose, <c>/token</c> trades the code) and
/// end-session. Tokens are RS256-signed JWTs: an id token for the client and an access token for the API audience,
/// both carrying the user's roles. No internet, no real identity: it stands where Microsoft Entra ID would.
/// </summary>
public sealed class FakeOidcProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key;
    private readonly ConcurrentDictionary<string, PendingCode> _codes = new();
    private int _failedExchanges;

    private FakeOidcProvider(WebApplication app, RsaSecurityKey key, Uri authority, string apiAudience)
    {
        _app = app;
        _key = key;
        Authority = authority;
        ApiAudience = apiAudience;
    }

    /// <summary>The issuer and base address, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public Uri Authority { get; }

    /// <summary>The audience of the access tokens it issues (what the API validates).</summary>
    public string ApiAudience { get; }

    /// <summary>The user the next <c>/authorize</c> signs in; null shows a page saying nobody was chosen.</summary>
    public FakeOidcUser? SignInAs { get; set; }

    /// <summary>When set, <c>/authorize</c> answers with this OAuth error instead of signing anyone in.</summary>
    public string? FailSignInWith { get; set; }

    /// <summary>How long issued tokens live.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Code exchanges refused (wrong code, redirect URI or PKCE verifier).</summary>
    public int FailedExchanges => _failedExchanges;

    /// <summary>The issuer text exactly as tokens carry it.</summary>
    public string Issuer => Authority.ToString().TrimEnd('/');

    public static async Task<FakeOidcProvider> StartAsync(string apiAudience = "kasparro-api", CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(FakeOidcProvider).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) };
        FakeOidcProvider? provider = null;
        app.MapGet("/.well-known/openid-configuration", () => provider!.Discovery());
        app.MapGet("/jwks", () => provider!.Jwks());
        app.MapGet("/authorize", (HttpContext context) => provider!.Authorize(context));
        // Typed as a Func so its IResult is written (a plain lambda on HttpContext would bind as a RequestDelegate).
        app.MapPost("/token", (Func<HttpContext, Task<IResult>>)(context => provider!.TokenAsync(context)));
        app.MapGet("/logout", (HttpContext context) => Logout(context));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        provider = new FakeOidcProvider(app, key, new Uri(address.TrimEnd('/')), apiAudience);
        return provider;
    }

    /// <summary>An access token for the API signed by this provider, as the dashboard would forward it.</summary>
    public string AccessTokenFor(FakeOidcUser user, string? audience = null, TimeSpan? lifetime = null) =>
        Sign(audience ?? ApiAudience, user, lifetime ?? TokenLifetime, nonce: null, extra: new Dictionary<string, object> { ["scope"] = "openid profile " + ApiAudience });

    private IResult Discovery() => Results.Json(new Dictionary<string, object>
    {
        ["issuer"] = Issuer,
        ["authorization_endpoint"] = $"{Issuer}/authorize",
        ["token_endpoint"] = $"{Issuer}/token",
        ["jwks_uri"] = $"{Issuer}/jwks",
        ["end_session_endpoint"] = $"{Issuer}/logout",
        ["response_types_supported"] = new[] { "code" },
        ["response_modes_supported"] = new[] { "query", "form_post" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { SecurityAlgorithms.RsaSha256 },
        ["scopes_supported"] = new[] { "openid", "profile", ApiAudience },
        ["code_challenge_methods_supported"] = new[] { "S256" },
        ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "client_secret_basic" },
    });

    private IResult Jwks()
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_key.Rsa.ExportParameters(false)) { KeyId = _key.KeyId });
        return Results.Json(new { keys = new[] { new { kty = jwk.Kty, use = "sig", alg = SecurityAlgorithms.RsaSha256, kid = jwk.Kid, n = jwk.N, e = jwk.E } } });
    }

    private IResult Authorize(HttpContext context)
    {
        var query = context.Request.Query;
        var redirectUri = query["redirect_uri"].ToString();
        var state = query["state"].ToString();
        var formPost = query["response_mode"] == "form_post";
        if (string.IsNullOrEmpty(redirectUri) || query["response_type"] != "code" || string.IsNullOrEmpty(query["client_id"]))
        {
            return Results.BadRequest("redirect_uri, client_id and response_type=code are required");
        }

        if (FailSignInWith is { } error)
        {
            return Respond(redirectUri, formPost, new() { ["error"] = error, ["error_description"] = "The fake provider was told to refuse this sign-in.", ["state"] = state });
        }

        if (SignInAs is not { } user)
        {
            return Results.Content("<!DOCTYPE html><title>Fake sign-in</title><h1>Fake OIDC provider</h1><p>No test user was chosen.</p>", "text/html");
        }

        var code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _codes[code] = new PendingCode(user, query["client_id"].ToString(), redirectUri, query["nonce"].ToString(), query["code_challenge"].ToString(), query["scope"].ToString());
        return Respond(redirectUri, formPost, new() { ["code"] = code, ["state"] = state });
    }

    /// <summary>Back to the client: a redirect with the parameters in the query, or an auto-submitting form (form_post).</summary>
    private static IResult Respond(string redirectUri, bool formPost, Dictionary<string, string> parameters)
    {
        if (!formPost)
        {
            return Results.Redirect(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(redirectUri, parameters!));
        }

        var html = new StringBuilder("<!DOCTYPE html><html><body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"")
            .Append(HtmlEncoder.Default.Encode(redirectUri)).Append("\">");
        foreach (var (name, value) in parameters)
        {
            html.Append("<input type=\"hidden\" name=\"").Append(HtmlEncoder.Default.Encode(name)).Append("\" value=\"").Append(HtmlEncoder.Default.Encode(value)).Append("\"/>");
        }

        html.Append("<noscript><button type=\"submit\">Continue</button></noscript></form></body></html>");
        return Results.Content(html.ToString(), "text/html");
    }

    private async Task<IResult> TokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        if (form["grant_type"] != "authorization_code"
            || !_codes.TryRemove(form["code"].ToString(), out var pending)
            || pending.RedirectUri != form["redirect_uri"]
            || !VerifierMatches(form["code_verifier"].ToString(), pending.CodeChallenge))
        {
            Interlocked.Increment(ref _failedExchanges);
            return Results.Json(new { error = "invalid_grant" }, statusCode: StatusCodes.Status400BadRequest);
        }

        var idToken = Sign(pending.ClientId, pending.User, TokenLifetime, pending.Nonce, extra: []);
        var accessToken = AccessTokenFor(pending.User);
        return Results.Json(new Dictionary<string, object>
        {
            ["token_type"] = "Bearer",
            ["id_token"] = idToken,
            ["access_token"] = accessToken,
            ["expires_in"] = (int)TokenLifetime.TotalSeconds,
            ["scope"] = pending.Scope,
        });
    }

    private static IResult Logout(HttpContext context)
    {
        var back = context.Request.Query["post_logout_redirect_uri"].ToString();
        return string.IsNullOrEmpty(back) ? Results.Content("Signed out.", "text/plain") : Results.Redirect(back);
    }

    private static bool VerifierMatches(string verifier, string challenge) =>
        challenge.Length > 0 && verifier.Length > 0
        && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)))),
            Encoding.ASCII.GetBytes(challenge));

    private string Sign(string audience, FakeOidcUser user, TimeSpan lifetime, string? nonce, Dictionary<string, object> extra)
    {
        var claims = new Dictionary<string, object>(extra)
        {
            ["sub"] = user.Subject,
            ["name"] = user.UserName,
            ["preferred_username"] = user.UserName,
            ["roles"] = user.Roles,
        };
        if (!string.IsNullOrEmpty(nonce))
        {
            claims["nonce"] = nonce;
        }

        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now.AddSeconds(-5),
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed record PendingCode(FakeOidcUser User, string ClientId, string RedirectUri, string Nonce, string CodeChallenge, string Scope);
}
