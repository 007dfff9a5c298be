using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Kasparro.Ingestion.Alerts;

/// <summary>Registers alerting: options (validated at start), the evaluator, the signed webhook client and the outbox delivery.</summary>
public static class AlertServices
{
    public static IServiceCollection AddAlerts(this IServiceCollection services)
    {
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlertOptions>, AlertOptionsValidation>();
        services.AddSingleton<AlertEvaluator>();
        services.AddSingleton<AlertOutbox>();

        var http = services.AddHttpClient<AlertWebhookClient>(client => client.Timeout = Timeout.InfiniteTimeSpan);
        // The service defaults' generic handler would retry for half a minute; the webhook gets its own, configured one.
#pragma warning disable EXTEXP0001 // experimental, but the documented way to opt one client out of the defaults
        http.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        http.AddResilienceHandler("alert-webhook", (pipeline, context) =>
        {
            var webhook = context.ServiceProvider.GetRequiredService<IOptions<AlertOptions>>().Value.Webhook;
            if (webhook.MaxRetries > 0)
            {
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = webhook.MaxRetries,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = webhook.RetryDelay,
                });
            }

            pipeline.AddTimeout(webhook.AttemptTimeout);
        });
        return services;
    }

    /// <summary>The long-running parts: periodic evaluation and the outbox worker.</summary>
    public static IServiceCollection AddAlertWorkers(this IServiceCollection services)
    {
        services.AddHostedService<AlertSchedule>();
        services.AddHostedService<AlertOutboxWorker>();
        return services;
    }
}
