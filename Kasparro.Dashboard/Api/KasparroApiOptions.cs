namespace Kasparro.Dashboard.Api;

/// <summary>The <c>Api</c> configuration section: what the dashboard needs to call the API beyond its address.</summary>
public sealed class KasparroApiOptions
{
    public const string Section = "Api";

    /// <summary>
    /// A reader API key for what the dashboard server reads on its own, for no user in particular: the live feed's one
    /// subscription to <c>GET /stream</c>. Needed where the API refuses anonymous reads (deployed); a secret.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// How long a page waits for one API answer, retries included. Shorter than the resilience pipeline's total
    /// (30 s) so an unreachable API turns into a message quickly instead of a long spinner.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(8);
}
