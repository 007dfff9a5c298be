using Azure.Monitor.OpenTelemetry.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The one place for cross-cutting concerns: OpenTelemetry, health endpoints, service discovery,
/// HTTP resilience defaults and JSON console logs. Every service calls <see cref="AddServiceDefaults{TBuilder}"/>
/// and <see cref="MapDefaultEndpoints"/> and nothing else for these.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Tag of the checks that decide liveness (<c>/alive</c>); readiness (<c>/health</c>) runs every check.</summary>
    public const string LiveTag = "live";

    /// <summary>
    /// Log levels every service starts from. Polly logs every HTTP attempt and pipeline execution at Information
    /// (two lines per request); only handled outcomes (retries, failures) are worth a line, and those are Warnings.
    /// HttpClient's own request/response lines are likewise per request. Both stay in traces and metrics.
    /// The lowest-priority configuration source, so appsettings, environment variables and the command line override it.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> DefaultLogLevels = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Polly"] = "Warning",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
    };

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = DefaultLogLevels });

        builder.Logging.AddJsonConsole(options =>
        {
            options.IncludeScopes = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });

        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        // No "Server: Kestrel" banner on any service: it tells a scanner what to try and a client nothing it needs.
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    private static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Npgsql", Kasparro.TelemetryNames.Etl, Kasparro.TelemetryNames.Api, Kasparro.TelemetryNames.Dashboard)
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName, "Npgsql", Kasparro.TelemetryNames.Etl)
                // Health and metrics scrapes would drown the traces that matter.
                .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                    !context.Request.Path.StartsWithSegments("/health")
                    && !context.Request.Path.StartsWithSegments("/alive")
                    && !context.Request.Path.StartsWithSegments("/metrics"))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        // In Azure: logs, metrics and traces to Application Insights when its connection string is set.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
        {
            builder.Services.AddOpenTelemetry().UseAzureMonitor();
        }

        return builder;
    }

    private static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (readiness: every registered check, 503 when one fails),
    /// <c>/alive</c> (liveness) and the Prometheus <c>/metrics</c> endpoint.
    /// </summary>
    /// <param name="app">The web application.</param>
    /// <param name="healthResponseWriter">Writes the <c>/health</c> body; a plain status text when null.</param>
    /// <param name="metricsPolicy">Authorization policy <c>/metrics</c> requires, for a service with authorization; none when null.</param>
    /// <remarks>
    /// <c>/health</c> and <c>/alive</c> stay anonymous in every service: the orchestrator's probes carry no credentials.
    /// </remarks>
    public static WebApplication MapDefaultEndpoints(this WebApplication app, Func<HttpContext, HealthReport, Task>? healthResponseWriter = null, string? metricsPolicy = null)
    {
        var readiness = new HealthCheckOptions();
        if (healthResponseWriter is not null)
        {
            readiness.ResponseWriter = healthResponseWriter;
        }

        app.MapHealthChecks("/health", readiness).DisableHttpMetrics().ExcludeFromDescription().AllowAnonymous();
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) })
            .DisableHttpMetrics().ExcludeFromDescription().AllowAnonymous();
        var metrics = app.MapPrometheusScrapingEndpoint("/metrics").DisableHttpMetrics();
        if (metricsPolicy is not null)
        {
            metrics.RequireAuthorization(metricsPolicy);
        }
        return app;
    }
}
