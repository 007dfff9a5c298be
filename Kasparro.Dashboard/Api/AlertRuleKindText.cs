using Kasparro.Contracts;

namespace Kasparro.Dashboard.Api;

/// <summary>What each alert rule kind watches, in words, for the rule editor.</summary>
public static class AlertRuleKindText
{
    public static string Describe(string kind) => kind switch
    {
        AlertRuleKinds.Divergence => "Sources disagree on an asset's price",
        AlertRuleKinds.PriceMove => "An asset's price moves within a window",
        AlertRuleKinds.Stale => "A source has had no successful run",
        AlertRuleKinds.RunFailed => "A source's latest run failed or was partial",
        _ => kind,
    };
}
