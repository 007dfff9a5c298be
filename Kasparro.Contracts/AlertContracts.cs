using System.Text.Json;

namespace Kasparro.Contracts;

/// <summary>
/// <c>POST /alerts/rules</c> body. Durations are <c>[d.]hh:mm:ss</c> (e.g. <c>01:00:00</c>), as in configuration.
/// divergence: threshold_pct (asset_id optional); price_move: asset_id, threshold_pct, window; stale: stale_after
/// (source optional); run_failed: source optional. cooldown is optional for every kind.
/// </summary>
public sealed record AlertRuleRequest(
    string Kind, string? AssetId, string? Source, decimal? ThresholdPct, string? Window, string? StaleAfter, string? Cooldown);

/// <summary>One alert rule; <c>origin</c> is <c>config</c> (from Alerts:Rules, not deletable here) or <c>api</c>.</summary>
public sealed record AlertRuleItem(
    long Id, string Kind, string? AssetId, string? Source, decimal? ThresholdPct, string? Window, string? StaleAfter, string Cooldown, string Origin, DateTime CreatedAt);

/// <summary><c>GET /alerts/rules</c>: every rule, oldest first.</summary>
public sealed record AlertRuleList(IReadOnlyList<AlertRuleItem> Data);

/// <summary>One alert: a rule firing for a subject (asset id or source), open until the condition clears.</summary>
public sealed record AlertItem(
    long Id, long RuleId, string Kind, string Subject, string State, DateTime OpenedAt, DateTime? ResolvedAt, DateTime? LastNotifiedAt, JsonElement Details);
