using Kasparro.Contracts;
using Kasparro.Data.Entities;

namespace Kasparro.Data.Alerts;

/// <summary>One complaint about a rule: the field (snake_case, as in the API) and what is wrong with it.</summary>
public sealed record AlertRuleProblem(string Field, string Message)
{
    /// <summary>The field's configuration key name (<c>threshold_pct</c> is <c>ThresholdPct</c>).</summary>
    public string ConfigName => string.Concat(Field.Split('_').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
}

/// <summary>
/// A rule as configured (<c>Alerts:Rules</c>) or posted (<c>POST /alerts/rules</c>), before it is stored. Both are
/// checked by <see cref="Problems"/>, so configuration and API accept exactly the same rules.
/// </summary>
public sealed record AlertRuleDefinition(
    string? Kind, string? AssetId, string? Source, decimal? ThresholdPct, TimeSpan? Window, TimeSpan? StaleAfter, TimeSpan? Cooldown)
{
    /// <summary>Longest accepted asset id; ids are short slugs.</summary>
    public const int MaxAssetIdLength = 100;

    public IReadOnlyList<AlertRuleProblem> Problems()
    {
        var problems = new List<AlertRuleProblem>();
        void Fail(string field, string message) => problems.Add(new AlertRuleProblem(field, message));

        if (string.IsNullOrEmpty(Kind))
        {
            Fail("kind", $"is required: one of {string.Join(", ", AlertRuleKinds.All)}");
            return problems;
        }

        if (!AlertRuleKinds.All.Contains(Kind, StringComparer.Ordinal))
        {
            Fail("kind", $"'{Kind}' is not a rule kind: one of {string.Join(", ", AlertRuleKinds.All)}");
            return problems;
        }

        var usesAsset = Kind is AlertRuleKinds.Divergence or AlertRuleKinds.PriceMove;
        var usesThreshold = usesAsset;
        if (AssetId is not null && !usesAsset)
        {
            Fail("asset_id", $"does not apply to {Kind} rules");
        }
        else if (AssetId is not null && (AssetId.Length == 0 || AssetId.Length > MaxAssetIdLength || AssetId.Any(char.IsControl)))
        {
            Fail("asset_id", $"must be an asset id of 1 to {MaxAssetIdLength} characters without control characters");
        }
        else if (AssetId is null && Kind == AlertRuleKinds.PriceMove)
        {
            Fail("asset_id", "is required for price_move rules");
        }

        if (Source is not null && usesAsset)
        {
            Fail("source", $"does not apply to {Kind} rules");
        }
        else if (Source is not null && !SourceNames.IsKnown(Source))
        {
            Fail("source", $"must be one of: {string.Join(", ", SourceNames.All)}");
        }

        if (usesThreshold && ThresholdPct is null)
        {
            Fail("threshold_pct", $"is required for {Kind} rules");
        }
        else if (usesThreshold && ThresholdPct is not (> 0 and <= 1_000_000))
        {
            Fail("threshold_pct", "must be a percentage above 0 (and at most 1000000)");
        }
        else if (!usesThreshold && ThresholdPct is not null)
        {
            Fail("threshold_pct", $"does not apply to {Kind} rules");
        }

        CheckDuration("window", Window, Kind == AlertRuleKinds.PriceMove);
        CheckDuration("stale_after", StaleAfter, Kind == AlertRuleKinds.Stale);
        if (Cooldown is { } cooldown && (cooldown < TimeSpan.Zero || cooldown > TimeSpan.FromDays(365)))
        {
            Fail("cooldown", "must be a duration from 00:00:00 to 365.00:00:00");
        }

        return problems;

        void CheckDuration(string field, TimeSpan? value, bool applies)
        {
            if (applies && value is null)
            {
                Fail(field, $"is required for {Kind} rules (a duration such as 01:00:00)");
            }
            else if (applies && (value <= TimeSpan.Zero || value > TimeSpan.FromDays(365)))
            {
                Fail(field, "must be a duration above 00:00:00 and at most 365.00:00:00");
            }
            else if (!applies && value is not null)
            {
                Fail(field, $"does not apply to {Kind} rules");
            }
        }
    }

    /// <summary>The row to store; only call for a definition without <see cref="Problems"/>.</summary>
    public AlertRule ToRule(string origin, DateTimeOffset now) => new()
    {
        Kind = Kind!, AssetId = AssetId, Source = Source, ThresholdPct = ThresholdPct, Window = Window, StaleAfter = StaleAfter,
        Cooldown = Cooldown ?? TimeSpan.Zero, Origin = origin, CreatedAt = now,
    };

    /// <summary>Whether a stored rule says the same as this definition (config rules are matched this way at start).</summary>
    public bool Matches(AlertRule rule) =>
        rule.Kind == Kind && rule.AssetId == AssetId && rule.Source == Source && rule.ThresholdPct == ThresholdPct
        && rule.Window == Window && rule.StaleAfter == StaleAfter && rule.Cooldown == (Cooldown ?? TimeSpan.Zero);
}
