using System.Net;
using Kasparro.Ingestion.Options;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.RateLimiting;

namespace Kasparro.Ingestion.Upstream;

/// <summary>
/// The one HTTP pipeline per upstream: total run timeout, then retries (429/5xx/timeouts/broken bodies, exponential
/// backoff with jitter, honouring Retry-After), then the client-side rate limiter (inside the retry loop, so
/// retries are rate limited too), then the per-attempt timeout, then reading the body.
/// </summary>
public static class UpstreamHttp
{
    /// <summary>Sent to every upstream: some hosts refuse requests without a User-Agent.</summary>
    public const string DefaultUserAgent = "Kasparro/1.0 (+market-data ingestion)";

    public static IHttpClientBuilder AddUpstreamClient<TClient>(this IServiceCollection services, string upstream, Func<IServiceProvider, int> requestsPerMinute, Action<IServiceProvider, HttpClient> configure)
        where TClient : class
    {
        services.AddTransient<ResponseBufferingHandler>();
        var builder = services.AddHttpClient<TClient>((sp, http) =>
        {
            // The resilience pipeline owns every timeout.
            http.Timeout = Timeout.InfiniteTimeSpan;
            http.DefaultRequestHeaders.UserAgent.ParseAdd(DefaultUserAgent);
            configure(sp, http);
        });

        // The service defaults add a generic handler to every client; upstreams get their own instead.
#pragma warning disable EXTEXP0001 // experimental, but the documented way to opt one client out of the defaults
        builder.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.AddResilienceHandler(upstream, (pipeline, context) =>
        {
            var etl = context.ServiceProvider.GetRequiredService<IOptions<EtlOptions>>().Value;
            var limiter = context.ServiceProvider.GetRequiredService<UpstreamRateLimiters>().For(upstream, requestsPerMinute(context.ServiceProvider));
            var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Kasparro.Ingestion.Upstream." + upstream);

            pipeline.AddTimeout(etl.RunTimeout);
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(etl.MaxRetries, 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => ValueTask.FromResult(etl.MaxRetries > 0 && ShouldRetry(args.Outcome, etl.MaxRetryAfter)),
                OnRetry = args =>
                {
                    RunScope.Current?.CountRetry();
                    EtlTelemetry.UpstreamRetries.Add(1, new KeyValuePair<string, object?>("source", upstream));
                    logger.LogWarning("Retrying {Upstream} (attempt {Attempt}) in {DelayMs} ms after {Outcome}",
                        upstream, args.AttemptNumber + 1, (long)args.RetryDelay.TotalMilliseconds,
                        args.Outcome.Result is { } r ? $"{(int)r.StatusCode} {r.StatusCode}" : args.Outcome.Exception?.GetType().Name);
                    return ValueTask.CompletedTask;
                },
            });
            pipeline.AddRateLimiter(new RateLimiterStrategyOptions
            {
                RateLimiter = args => limiter.AcquireAsync(1, args.Context.CancellationToken),
            });
            pipeline.AddTimeout(etl.AttemptTimeout);
        });
        builder.AddHttpMessageHandler<ResponseBufferingHandler>();
        return builder;
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, TimeSpan maxRetryAfter)
    {
        if (outcome.Exception is not null)
        {
            return outcome.Exception is HttpRequestException or IOException or Polly.Timeout.TimeoutRejectedException;
        }

        var response = outcome.Result!;
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            // A wait longer than the run allows is not retried: the caller fails the run with that reason.
            return RetryAfter(response) is not { } wait || wait <= maxRetryAfter;
        }

        return response.StatusCode is HttpStatusCode.RequestTimeout || (int)response.StatusCode >= 500;
    }

    /// <summary>The server's Retry-After (seconds or an HTTP date), if it sent one.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => null,
        };
}
