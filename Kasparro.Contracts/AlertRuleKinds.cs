namespace Kasparro.Contracts;

/// <summary>The kinds of alert rule: the <c>kind</c> of <c>POST /alerts/rules</c> and of every rule and alert the API lists.</summary>
public static class AlertRuleKinds
{
    /// <summary>An asset's latest prices across sources are more than ThresholdPct apart (as <c>GET /divergences</c> measures).</summary>
    public const string Divergence = "divergence";
    /// <summary>An asset's price moved more than ThresholdPct within Window (price history).</summary>
    public const string PriceMove = "price_move";
    /// <summary>A source has had no successful (or partial) run for StaleAfter.</summary>
    public const string Stale = "stale";
    /// <summary>A source's latest finished run failed or was partial.</summary>
    public const string RunFailed = "run_failed";

    public static readonly IReadOnlyList<string> All = [Divergence, PriceMove, Stale, RunFailed];
}
