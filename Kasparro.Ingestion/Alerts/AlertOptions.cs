using Kasparro.Data.Alerts;

namespace Kasparro.Ingestion.Alerts;

/// <summary>Configuration section <c>Alerts</c>: the configured rules and the webhook they are delivered to.</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary><c>Alerts:Rules:{n}:{Kind,AssetId,Source,ThresholdPct,Window,StaleAfter,Cooldown}</c>; synced into alert_rules at start.</summary>
    public List<AlertRuleOptions> Rules { get; set; } = [];

    /// <summary>Rules are also evaluated on this period, so a source that stops running at all still goes stale.</summary>
    public TimeSpan EvaluateEvery { get; set; } = TimeSpan.FromMinutes(1);

    public AlertWebhookOptions Webhook { get; set; } = new();
}

/// <summary>One configured rule (<c>Alerts:Rules:{n}</c>); see <see cref="AlertRuleDefinition"/> for what each kind needs.</summary>
public sealed class AlertRuleOptions
{
    public string? Kind { get; set; }
    public string? AssetId { get; set; }
    public string? Source { get; set; }
    public decimal? ThresholdPct { get; set; }
    public TimeSpan? Window { get; set; }
    public TimeSpan? StaleAfter { get; set; }
    public TimeSpan? Cooldown { get; set; }

    public AlertRuleDefinition ToDefinition() => new(Kind, AssetId, Source, ThresholdPct, Window, StaleAfter, Cooldown);
}

/// <summary><c>Alerts:Webhook</c>: where alert events are POSTed and how they are signed and retried.</summary>
public sealed class AlertWebhookOptions
{
    /// <summary>The receiver; without it alerts are only stored (and listed by <c>GET /alerts</c>).</summary>
    public Uri? Url { get; set; }

    /// <summary>The HMAC-SHA256 key of <c>X-Kasparro-Signature</c>; required whenever <see cref="Url"/> is set. Never in appsettings.</summary>
    public string? Secret { get; set; }

    /// <summary>How often the outbox is checked for due events.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries inside one delivery attempt (HTTP resilience pipeline), with exponential backoff from <see cref="RetryDelay"/>.</summary>
    public int MaxRetries { get; set; } = 3;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Timeout of one HTTP request to the webhook.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>After a failed delivery attempt the event waits this long, doubling per attempt up to <see cref="MaxRedeliveryDelay"/>.</summary>
    public TimeSpan RedeliveryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRedeliveryDelay { get; set; } = TimeSpan.FromMinutes(15);

    public bool IsConfigured => Url is not null;
}
