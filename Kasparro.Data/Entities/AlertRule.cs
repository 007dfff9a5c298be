using Kasparro.Contracts;

namespace Kasparro.Data.Entities;

/// <summary>A condition watched after every run: which <see cref="AlertRuleKinds">kind</see>, on what, and how far.</summary>
public class AlertRule
{
    public long Id { get; set; }
    /// <summary>One of <see cref="AlertRuleKinds"/>.</summary>
    public required string Kind { get; set; }
    /// <summary>The canonical asset watched (divergence: optional, every asset when null; price_move: required).</summary>
    public string? AssetId { get; set; }
    /// <summary>The source watched (stale, run_failed: optional, every source with runs when null).</summary>
    public string? Source { get; set; }
    /// <summary>How many percent apart (divergence) or moved (price_move) fires the rule.</summary>
    public decimal? ThresholdPct { get; set; }
    /// <summary>price_move: the span of history the move is measured over.</summary>
    public TimeSpan? Window { get; set; }
    /// <summary>stale: how long without a successful run fires the rule.</summary>
    public TimeSpan? StaleAfter { get; set; }
    /// <summary>After an alert resolves, a new one for the same subject is suppressed for this long.</summary>
    public TimeSpan Cooldown { get; set; }
    /// <summary><c>config</c> (from <c>Alerts:Rules</c>, synced at start) or <c>api</c> (<c>POST /alerts/rules</c>).</summary>
    public required string Origin { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Where an <see cref="AlertRule"/> came from.</summary>
public static class AlertRuleOrigins
{
    public const string Config = "config";
    public const string Api = "api";
}
