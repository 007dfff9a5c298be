using System.Net;
using System.Security.Claims;
using Kasparro.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.Options;

namespace Kasparro.Dashboard.Security;

/// <summary>
/// Sign-in for the dashboard: OpenID Connect with a cookie session (<c>Authentication:Mode=oidc</c>), or nobody signs
/// in (<c>none</c>, Development only). Every page needs a viewer; acting needs an operator; roles come from the
/// provider's role or group claims (<c>Authentication:RoleClaims</c>).
/// </summary>
public static class DashboardAuthentication
{
    private const string AccessDeniedPath = "/account/access-denied";
    private const string SignInFailedPath = "/account/sign-in-failed";

    public static WebApplicationBuilder AddDashboardAuthentication(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(DashboardAuthenticationOptions.Section).Get<DashboardAuthenticationOptions>() ?? new DashboardAuthenticationOptions();
        if (settings.Problem(builder.Environment) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        var signInIsOn = settings.EffectiveMode(builder.Environment) == DashboardAuthenticationOptions.ModeOidc;
        builder.Services.Configure<DashboardAuthenticationOptions>(builder.Configuration.GetSection(DashboardAuthenticationOptions.Section));
        builder.Services.AddSingleton<SignInMetrics>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped(services => new ApiCredentials(signInIsOn, services.GetRequiredService<IHttpContextAccessor>()));
        builder.Services.AddScoped<CircuitHandler, UserTokenCircuitHandler>();
        builder.Services.AddCascadingAuthenticationState();

        var viewer = new AuthorizationPolicyBuilder().RequireRole(DashboardRoles.Viewer, DashboardRoles.Operator).Build();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(DashboardRoles.Viewer, viewer)
            .AddPolicy(DashboardRoles.Operator, policy => policy.RequireRole(DashboardRoles.Operator))
            // Every page, the circuit's hub and anything added later need a viewer unless marked anonymous.
            .SetFallbackPolicy(viewer);

        if (!signInIsOn)
        {
            builder.Services.AddAuthentication(LocalDevelopmentAuthenticationHandler.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, LocalDevelopmentAuthenticationHandler>(LocalDevelopmentAuthenticationHandler.SchemeName, null);
            return builder;
        }

        var roleClaims = builder.Configuration.GetSection(RoleClaimsOptions.Section).Get<RoleClaimsOptions>() ?? new RoleClaimsOptions();
        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = "kasparro.session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.AccessDeniedPath = AccessDeniedPath;
            })
            .AddOpenIdConnect(oidc => ConfigureOidc(oidc, settings.Oidc, roleClaims));
        return builder;
    }

    /// <summary>Sign-out and the two plain pages sign-in can end on (open to anyone: the user may have no role yet).</summary>
    public static WebApplication MapAccountEndpoints(this WebApplication app)
    {
        var signInIsOn = app.Services.GetRequiredService<IOptions<DashboardAuthenticationOptions>>().Value.EffectiveMode(app.Environment) == DashboardAuthenticationOptions.ModeOidc;
        var account = app.MapGroup("/account").AllowAnonymous().ExcludeFromDescription();
        // Ends the session here and at the provider, which sends the browser back to the start page.
        account.MapGet("/sign-out", () => signInIsOn
            ? Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme])
            : Results.Redirect("/"));
        account.MapGet("/access-denied", (HttpContext context) => Page(StatusCodes.Status403Forbidden, "No access",
            $"You are signed in as {context.User.Identity?.Name ?? "someone"}, who has no Kasparro role (viewer or operator). Ask an administrator to assign one, then sign in again."));
        account.MapGet("/sign-in-failed", () => Page(StatusCodes.Status401Unauthorized, "Sign-in failed",
            "The identity provider did not sign you in. Try again; if it keeps failing, ask an administrator."));
        return app;
    }

    private static void ConfigureOidc(OpenIdConnectOptions oidc, OidcSettings settings, RoleClaimsOptions roleClaims)
    {
        oidc.Authority = settings.Authority;
        oidc.ClientId = settings.ClientId;
        oidc.ClientSecret = settings.ClientSecret;
        oidc.RequireHttpsMetadata = settings.RequireHttpsMetadata;
        oidc.ResponseType = "code";
        oidc.UsePkce = true;
        // The access token is kept in the encrypted session cookie, on the server's side of the circuit: the dashboard
        // forwards it to the API as the user. The session ends when the token does, so the API never sees an expired one.
        oidc.SaveTokens = true;
        oidc.UseTokenLifetime = true;
        oidc.MapInboundClaims = false;
        oidc.GetClaimsFromUserInfoEndpoint = false;
        foreach (var scope in settings.Scopes)
        {
            oidc.Scope.Add(scope);
        }

        oidc.TokenValidationParameters.NameClaimType = "preferred_username";
        oidc.TokenValidationParameters.RoleClaimType = ClaimTypes.Role;
        oidc.Events = new OpenIdConnectEvents
        {
            OnTokenValidated = context =>
            {
                var (isViewer, isOperator) = roleClaims.Map(context.Principal!.Claims);
                var roles = new ClaimsIdentity();
                if (isViewer)
                {
                    roles.AddClaim(new Claim(ClaimTypes.Role, DashboardRoles.Viewer));
                }

                if (isOperator)
                {
                    roles.AddClaim(new Claim(ClaimTypes.Role, DashboardRoles.Operator));
                }

                context.Principal.AddIdentity(roles);
                return Task.CompletedTask;
            },
            OnRemoteFailure = context =>
            {
                // The provider's error or the failed exchange, never a code or a token.
                context.HttpContext.RequestServices.GetRequiredService<SignInMetrics>().Failed();
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DashboardAuthentication))
                    .LogWarning("Sign-in failed: {Reason}", context.Failure?.Message);
                context.Response.Redirect(SignInFailedPath);
                context.HandleResponse();
                return Task.CompletedTask;
            },
        };
    }

    private static IResult Page(int status, string title, string text) => Results.Content(
        $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(title)} - Kasparro</title></head>" +
        $"<body><h1>{WebUtility.HtmlEncode(title)}</h1><p>{WebUtility.HtmlEncode(text)}</p><p><a href=\"/\">Try again</a></p></body></html>",
        "text/html", statusCode: status);
}
