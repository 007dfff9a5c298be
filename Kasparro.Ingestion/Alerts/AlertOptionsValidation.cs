using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.Alerts;

/// <summary>
/// Checks <c>Alerts</c> at start: every configured rule (the same checks as <c>POST /alerts/rules</c>) and the webhook,
/// which fails closed: a URL without a secret would send unsigned alerts, so the service refuses to start.
/// </summary>
public sealed class AlertOptionsValidation : IValidateOptions<AlertOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.Rules.Count; i++)
        {
            foreach (var problem in options.Rules[i].ToDefinition().Problems())
            {
                failures.Add($"{AlertOptions.Section}:Rules:{i}:{problem.ConfigName} {problem.Message}");
            }
        }

        var webhook = options.Webhook;
        if (webhook.Url is { } url)
        {
            if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add("Alerts:Webhook:Url must be an absolute http or https URL");
            }

            if (string.IsNullOrEmpty(webhook.Secret))
            {
                failures.Add("Alerts:Webhook:Secret is required when Alerts:Webhook:Url is set (alerts are never sent unsigned)");
            }
        }

        if (options.EvaluateEvery <= TimeSpan.Zero)
        {
            failures.Add("Alerts:EvaluateEvery must be a positive duration");
        }

        if (webhook.PollInterval <= TimeSpan.Zero || webhook.RedeliveryDelay <= TimeSpan.Zero || webhook.MaxRedeliveryDelay < webhook.RedeliveryDelay
            || webhook.AttemptTimeout <= TimeSpan.Zero || webhook.RetryDelay < TimeSpan.Zero || webhook.MaxRetries is < 0 or > 10)
        {
            failures.Add("Alerts:Webhook: PollInterval, RedeliveryDelay and AttemptTimeout must be positive, MaxRedeliveryDelay at least RedeliveryDelay, MaxRetries 0 to 10");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
