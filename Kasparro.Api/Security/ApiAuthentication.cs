using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Kasparro.Api.Security;

/// <summary>
/// The API's authentication schemes (API keys, the scheduler token) behind one default scheme that picks by the
/// request's headers, and its policies: reading is the fallback of every endpoint, acting needs an operator.
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

        builder.Services.AddSingleton<AccessMetrics>();
        builder.Services.AddAuthentication(SelectingScheme)
            .AddPolicyScheme(SelectingScheme, "API key, scheduler token", scheme => scheme.ForwardDefaultSelector = SchemeFor)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, SchedulerTokenAuthenticationHandler>(SchedulerTokenAuthenticationHandler.SchemeName, null);

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
    private static string SchemeFor(HttpContext context) =>
        context.Request.Headers.ContainsKey(SchedulerTokenAuthenticationHandler.HeaderName)
            ? SchedulerTokenAuthenticationHandler.SchemeName
            : ApiKeyAuthenticationHandler.SchemeName;

    private static bool IsReader(AuthorizationHandlerContext context) =>
        context.User.IsInRole(ApiRoles.Reader) || context.User.IsInRole(ApiRoles.Operator);

    /// <summary>A wrong key is refused even where anonymous reading is allowed, so its holder learns it is wrong.</summary>
    private static bool PresentedBadCredential(AuthorizationHandlerContext context) =>
        context.Resource is HttpContext http && RejectedCredential.On(http);
}
