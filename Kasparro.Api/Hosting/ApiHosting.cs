using Kasparro.Data.Scheduling;
using System.Text.Json;
using System.Threading.RateLimiting;
using Kasparro.Api.History;
using Kasparro.Api.MarketData;
using Kasparro.Api.Metrics;
using Kasparro.Api.Security;
using Kasparro.Api.Stats;
using Kasparro.Api.Streaming;
using Kasparro.Contracts;
using Kasparro.Data;
using Kasparro.Data.Operations;
using Kasparro.Security;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Kasparro.Api.Hosting;

/// <summary>The API's cross-cutting pieces: JSON shape, problem details, access control, limits, CORS, OpenAPI and the Quartz client.</summary>
public static class ApiHosting
{
    private const string CorsPolicy = "configured-origins";
    private static readonly string[] UnlimitedPaths = ["/health", "/alive", "/metrics"];

    public static WebApplicationBuilder AddKasparroApi(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            // The original system's clients read snake_case (the contract's one naming, shared with the dashboard).
            options.SerializerOptions.PropertyNamingPolicy = ContractJson.NamingPolicy;
        });

        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Extensions["request_id"] = context.HttpContext.TraceIdentifier;
            context.ProblemDetails.Extensions.Remove("traceId");
        });
        builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
        builder.Services.AddExceptionHandler<UnreadableValueHandler>();
        builder.Services.AddOpenApi(options => options
            .AddDocumentTransformer<OperationsDocument>()
            .AddOperationTransformer<DatabaseUnavailableResponse>()
            .AddOperationTransformer<Exports.CsvExportResponse>()
            .AddOperationTransformer<HistoryDocumentResponse>()
            .AddDocumentTransformer<ApiSecurityDocument>()
            .AddOperationTransformer<ApiSecurityDocument>());

        builder.Services.AddOptions<DatabasePoolOptions>().BindConfiguration(DatabasePoolOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Replaces the unbounded data source AddKasparroDb registered (the ingestion service keeps its own settings).
        var connectionString = builder.Configuration.GetConnectionString(ResourceNames.Database)!;
        builder.Services.Replace(ServiceDescriptor.Singleton(services =>
            services.GetRequiredService<IOptions<DatabasePoolOptions>>().Value.BuildDataSource(connectionString)));

        builder.Services.AddOptions<ApiAccessOptions>().BindConfiguration(ApiAccessOptions.Section);
        builder.Services.AddOptions<UserTokenOptions>().BindConfiguration(UserTokenOptions.Section);
        builder.AddApiAuthentication();
        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddOptions<RateLimitingOptions>().BindConfiguration(RateLimitingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<CorsOptions>().BindConfiguration(CorsOptions.Section);
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = WriteRejectionAsync;
        });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitingOptions>>((options, limits) =>
            options.GlobalLimiter = PerClientLimiter(limits.Value));

        var origins = builder.Configuration.GetSection(CorsOptions.Section).Get<CorsOptions>()?.AllowedOrigins ?? [];
        builder.Services.AddCors(options => options.AddPolicy(CorsPolicy, policy =>
            policy.WithOrigins(origins).WithMethods("GET", "POST", "DELETE").WithHeaders("X-Request-Id", SchedulerTokenOptions.HeaderName, ApiKeyAuthenticationHandler.HeaderName, "Authorization", "Content-Type").WithExposedHeaders("X-Request-Id")));

        builder.Services.AddRequestTimeouts(options => options.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = TimeSpan.FromSeconds(30),
            TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // The API takes no bodies but an alert rule's few fields; anything big is a mistake or an attack.
            kestrel.Limits.MaxRequestBodySize = 16 * 1024;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        });

        // Only a Quartz client: the scheduler is never started here (no hosted service), it just writes
        // triggers into the shared store and Kasparro.Ingestion runs them.
        builder.Services.AddKasparroQuartz(builder.Configuration);
        // The same Sources:{name} section the ingestion service binds: one place of truth for drift policies and freshness targets.
        SourcePolicyOptions.Register(builder.Services);
        builder.Services.AddSingleton<FreshnessReport>();
        // The same History section the ingestion service applies, to show the retention it keeps.
        HistoryOptions.Register(builder.Services);
        builder.Services.AddSingleton<HistoryReport>();
        builder.Services.AddSingleton<EtlMetrics>();
        builder.Services.AddSingleton<ExactTotalCache>();
        builder.Services.AddAssetHistory();
        builder.Services.AddStreaming();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }

    public static WebApplication UseKasparroApi(this WebApplication app)
    {
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseApiSecurityHeaders();
        app.UseExceptionHandler();
        // Every bodiless error status (unknown route 404, wrong method 405, ...) is a problem document, whatever the
        // client accepts: the default handler falls back to text/plain "Status Code: 404" for e.g. Accept: text/plain.
        app.UseStatusCodePages(WriteStatusProblemAsync);
        app.UseCors(CorsPolicy);
        // Authentication before the limiter, which partitions by key; authorization after it, so a client over its
        // limit is told 429 before anything else is done for it.
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseRequestTimeouts();
        // Created now so its instruments exist before the first scrape.
        app.Services.GetRequiredService<EtlMetrics>();
        return app;
    }

    private static async Task WriteStatusProblemAsync(StatusCodeContext status)
    {
        var context = status.HttpContext;
        var problem = new ProblemDetailsContext { HttpContext = context, ProblemDetails = { Status = context.Response.StatusCode } };
        if (!await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(problem))
        {
            // The client accepts no JSON (e.g. Accept: text/plain), but the API has no other error format: still the
            // problem document, with the same request id the problem service adds.
            await TypedResults.Problem(statusCode: context.Response.StatusCode,
                extensions: new Dictionary<string, object?> { ["request_id"] = context.TraceIdentifier }).ExecuteAsync(context);
        }
    }

    private static PartitionedRateLimiter<HttpContext> PerClientLimiter(RateLimitingOptions limits) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (UnlimitedPaths.Any(path => context.Request.Path.StartsWithSegments(path)))
            {
                return RateLimitPartition.GetNoLimiter("unlimited");
            }

            // A key is limited as itself (its own limit, or the default), wherever it calls from; everyone else per IP.
            if (context.User.FindFirst(ApiClaims.KeyId)?.Value is { } keyId)
            {
                var perMinute = int.TryParse(context.User.FindFirst(ApiClaims.KeyRateLimit)?.Value, System.Globalization.CultureInfo.InvariantCulture, out var own) ? own : (int?)null;
                return RateLimitPartition.GetFixedWindowLimiter($"key:{keyId}:{perMinute}", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute ?? limits.PermitsPerWindow,
                    Window = perMinute is null ? TimeSpan.FromSeconds(limits.WindowSeconds) : TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            }

            var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            return RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limits.PermitsPerWindow,
                Window = TimeSpan.FromSeconds(limits.WindowSeconds),
                QueueLimit = 0,
            });
        });

    private static async ValueTask WriteRejectionAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = "Slow down and retry after the time in Retry-After." },
        });
    }
}
