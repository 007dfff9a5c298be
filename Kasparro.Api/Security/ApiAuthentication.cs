using System.Security.Claims;
using Kasparro.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;

namespace Kasparro.Api.Security;

/// <summary>
/// The API's authentication schemes (API keys, the scheduler token, and the signed-in user's bearer token the dashboard
/// forwards) behind one default scheme that picks by the request's headers, and its policies: reading is the fallback of every endpoint, acting needs an operator.
/// </summary>
public static class ApiAuthentication
{
    /// <summary>The default scheme: forwards to the scheme whose credential the request carries.</summary>
    public const string SelectingScheme = "Kasparro";

    public static WebApplicationBuilder AddApiAuthentication(this WebApplicationBuilder builder)
    {
        var access = builder.Configuration.GetSection(ApiAccessOptions.Section).Get<ApiAccessOptions>() ?? new ApiAccessOptions();
        var allowAnonymousRead = access.AllowAnonymousRead ?? builder.Environment.IsDevelopment();
        var anonymousMetrics = builder.Environment.IsDevelopment();

        var userTokens = builder.Configuration.GetSection(UserTokenOptions.Section).Get<UserTokenOptions>() ?? new UserTokenOptions();
        var roleClaims = builder.Configuration.GetSection(RoleClaimsOptions.Section).Get<RoleClaimsOptions>() ?? new RoleClaimsOptions();

        builder.Services.AddSingleton<AccessMetrics>();
        SchedulerTokenOptions.Register(builder.Services);
        var authentication = builder.Services.AddAuthentication(SelectingScheme)
            .AddPolicyScheme(SelectingScheme, "API key, scheduler token, user token", scheme =>
                scheme.ForwardDefaultSelector = context => SchemeFor(context, userTokens.IsConfigured))
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, SchedulerTokenAuthenticationHandler>(SchedulerTokenAuthenticationHandler.SchemeName, null);
        if (userTokens.IsConfigured)
        {
            authentication.AddJwtBearer(JwtBearerDefaults.AuthenticationScheme, jwt => ConfigureUserTokens(jwt, userTokens, roleClaims));
        }

        var read = new AuthorizationPolicyBuilder().RequireAssertion(context =>
            !PresentedBadCredential(context) && (allowAnonymousRead || IsReader(context))).Build();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicies.Read, read)
            .AddPolicy(ApiPolicies.Operator, policy => policy.RequireRole(ApiRoles.Operator))
            .AddPolicy(ApiPolicies.Metrics, policy => policy.RequireAssertion(context =>
                !PresentedBadCredential(context) && (anonymousMetrics || context.User.IsInRole(ApiRoles.Operator))))
            // Every endpoint that names no policy is a read: a new endpoint is closed until it says otherwise.
            .SetFallbackPolicy(read);
        return builder;
    }

    /// <summary>The scheme a request's credential belongs to; the API key handler also answers requests with none.</summary>
    private static string SchemeFor(HttpContext context, bool acceptsUserTokens) =>
        context.Request.Headers.ContainsKey(SchedulerTokenOptions.HeaderName) ? SchedulerTokenAuthenticationHandler.SchemeName
        : acceptsUserTokens && context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? JwtBearerDefaults.AuthenticationScheme
        : ApiKeyAuthenticationHandler.SchemeName;

    /// <summary>
    /// The dashboard's signed-in users: tokens of the configured authority and audience. Their provider roles or groups
    /// (<c>Authentication:RoleClaims</c>) map viewer to reader and operator to operator; runs and audit lines name them
    /// <c>dashboard:NAME</c>.
    /// </summary>
    private static void ConfigureUserTokens(JwtBearerOptions jwt, UserTokenOptions userTokens, RoleClaimsOptions roleClaims)
    {
        jwt.Authority = userTokens.Authority;
        jwt.Audience = userTokens.Audience;
        jwt.RequireHttpsMetadata = userTokens.RequireHttpsMetadata;
        jwt.MapInboundClaims = false;
        jwt.TokenValidationParameters.NameClaimType = "preferred_username";
        jwt.TokenValidationParameters.RoleClaimType = ClaimTypes.Role;
        jwt.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                var principal = context.Principal!;
                var (isViewer, isOperator) = roleClaims.Map(principal.Claims);
                var name = principal.FindFirst("preferred_username")?.Value ?? principal.FindFirst("name")?.Value ?? principal.FindFirst("sub")?.Value ?? "unknown";
                var identity = new ClaimsIdentity([new Claim(ApiClaims.Actor, $"dashboard:{name}")]);
                if (isViewer)
                {
                    identity.AddClaim(new Claim(ClaimTypes.Role, ApiRoles.Reader));
                }

                if (isOperator)
                {
                    identity.AddClaim(new Claim(ClaimTypes.Role, ApiRoles.Operator));
                }

                principal.AddIdentity(identity);
                return Task.CompletedTask;
            },
            OnAuthenticationFailed = context =>
            {
                // The exception says why (expired, wrong audience, bad signature); never the token itself.
                context.HttpContext.RequestServices.GetRequiredService<AccessMetrics>().Rejected(JwtBearerDefaults.AuthenticationScheme, "invalid_token");
                context.HttpContext.Features.Set(new RejectedCredential(JwtBearerDefaults.AuthenticationScheme));
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiAuthentication))
                    .LogWarning("Rejected user token: {Reason}", context.Exception.GetType().Name);
                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                await AccessProblems.UnauthorizedAsync(context.HttpContext, "Bearer", "The user token is missing, expired or not valid for this API.");
            },
            OnForbidden = context =>
                AccessProblems.ForbiddenAsync(context.HttpContext, "Forbidden", "The signed-in user is not an operator."),
        };
    }

    private static bool IsReader(AuthorizationHandlerContext context) =>
        context.User.IsInRole(ApiRoles.Reader) || context.User.IsInRole(ApiRoles.Operator);

    /// <summary>A wrong key is refused even where anonymous reading is allowed, so its holder learns it is wrong.</summary>
    private static bool PresentedBadCredential(AuthorizationHandlerContext context) =>
        context.Resource is HttpContext http && RejectedCredential.On(http);
}
