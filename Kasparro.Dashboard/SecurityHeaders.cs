namespace Kasparro.Dashboard;

/// <summary>Response headers that keep the dashboard from being framed, sniffed or made to load foreign code.</summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Scripts only from this origin: blazor.web.js, Fluent UI's module and plotly.js (which Plotly.Blazor loads
    /// from <c>_content/Plotly.Blazor</c>). Inline styles are allowed because Fluent UI's web components and
    /// plotly set styles at run time. The circuit's WebSocket is same-origin, so <c>connect-src 'self'</c>.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(next => context =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                return Task.CompletedTask;
            });
            return next(context);
        });
}
