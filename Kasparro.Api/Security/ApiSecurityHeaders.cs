namespace Kasparro.Api.Security;

/// <summary>
/// <c>X-Content-Type-Options: nosniff</c> on every response (a browser must never guess JSON is HTML), and
/// <c>Cache-Control: no-store</c> on every response to an authenticated request, so no shared cache keeps what a
/// key or a user was allowed to see.
/// </summary>
public static class ApiSecurityHeaders
{
    public static IApplicationBuilder UseApiSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(next => context =>
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.XContentTypeOptions = "nosniff";
                if (context.User.Identity?.IsAuthenticated == true)
                {
                    context.Response.Headers.CacheControl = "no-store";
                }

                return Task.CompletedTask;
            });
            return next(context);
        });
}
