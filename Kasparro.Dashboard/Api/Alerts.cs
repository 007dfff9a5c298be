using System.Text.Json;

namespace Kasparro.Dashboard.Api;

/// <summary>An alert (<c>GET /alerts</c>): a rule firing for a subject, open until its condition clears.</summary>
public sealed record AlertEntry
{
    public long Id { get; init; }
    public long RuleId { get; init; }
    public string Kind { get; init; } = "";
    public string Subject { get; init; } = "";
    public string State { get; init; } = "";
    public DateTimeOffset OpenedAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public DateTimeOffset? LastNotifiedAt { get; init; }
    public JsonElement Details { get; init; }

    /// <summary>The one-line description the ingestion service wrote into the details.</summary>
    public string? Summary => Details.ValueKind == JsonValueKind.Object && Details.TryGetProperty("summary", out var summary) ? summary.GetString() : null;
}

/// <summary>An alert rule (<c>GET /alerts/rules</c>); <see cref="Origin"/> <c>config</c> rules are edited in configuration only.</summary>
public sealed record AlertRuleEntry
{
    public long Id { get; init; }
    public string Kind { get; init; } = "";
    public string? AssetId { get; init; }
    public string? Source { get; init; }
    public decimal? ThresholdPct { get; init; }
    public string? Window { get; init; }
    public string? StaleAfter { get; init; }
    public string Cooldown { get; init; } = "";
    public string Origin { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }

    public bool IsConfigured => Origin == "config";
}

/// <summary><c>GET /alerts/rules</c>.</summary>
public sealed record AlertRuleList(IReadOnlyList<AlertRuleEntry> Data);

/// <summary>The body of <c>POST /alerts/rules</c>; fields a kind does not use stay null.</summary>
public sealed record AlertRuleDraft(string Kind, string? AssetId, string? Source, decimal? ThresholdPct, string? Window, string? StaleAfter, string? Cooldown);

/// <summary>The rule kinds and what each watches, for the rule editor.</summary>
public static class AlertRuleKinds
{
    public static readonly IReadOnlyList<string> All = ["divergence", "price_move", "stale", "run_failed"];

    public static string Describe(string kind) => kind switch
    {
        "divergence" => "Sources disagree on an asset's price",
        "price_move" => "An asset's price moves within a window",
        "stale" => "A source has had no successful run",
        "run_failed" => "A source's latest run failed or was partial",
        _ => kind,
    };
}
