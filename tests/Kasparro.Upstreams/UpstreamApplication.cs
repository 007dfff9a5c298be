using Kasparro.Upstreams.Endpoints;

namespace Kasparro.Upstreams;

/// <summary>Wires the fake upstream into a web application; shared by <see cref="UpstreamServer"/> (in-process)
/// and Program.cs (standalone).</summary>
internal static class UpstreamApplication
{
    public static void ConfigureServices(WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Slow-stream and hang faults trickle on purpose; Kestrel must not cut them off as too slow.
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.AddServerHeader = false;
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
    }

    public static void Map(WebApplication app, UpstreamState state)
    {
        app.UseRouting();
        app.Use((context, next) =>
        {
            var request = context.Request;
            state.Log.Add(new RecordedRequest(
                state.Clock.GetUtcNow(),
                request.Method,
                request.Path.Value + request.QueryString.Value,
                context.GetEndpoint()?.Metadata.GetMetadata<UpstreamRouteMetadata>()?.Route,
                Header(request, "Authorization"),
                Header(request, "x-cg-demo-api-key"),
                Header(request, "x-cg-pro-api-key"),
                Header(request, "User-Agent"),
                Header(request, "Accept-Encoding")));
            return next(context);
        });
        app.MapGet("/health", () => TypedResults.Text("Healthy"));
        app.MapCoinPaprika(state);
        app.MapCoinGecko(state);
        app.MapUpstreamControl(state);
    }

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var value) ? value.ToString() : null;
}
