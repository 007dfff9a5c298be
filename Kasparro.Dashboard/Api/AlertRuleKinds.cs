namespace Kasparro.Dashboard.Api;

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
