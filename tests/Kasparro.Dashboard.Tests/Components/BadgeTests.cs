using Bunit;
using Kasparro.Dashboard.Components.Shared;
using Kasparro.Dashboard.Tests.Infrastructure;

namespace Kasparro.Dashboard.Tests.Components;

/// <summary>Status and freshness badges are FluentBadges coloured by Fluent UI's tokens, never fixed colours.</summary>
public sealed class BadgeTests : DashboardTestContext
{
    [Theory]
    [InlineData("success", "--success")]
    [InlineData("partial", "--warning")]
    [InlineData("failed", "--error")]
    public void A_finished_run_badge_is_tinted_from_its_status_token_with_the_theme_text_colour(string status, string token)
    {
        var badge = Render<StatusBadge>(p => p.Add(x => x.Status, status)).Find("fluent-badge[data-testid=status-badge]");

        var style = badge.GetAttribute("style")!;
        Assert.Contains($"var({token})", style);
        Assert.Contains("var(--neutral-layer-1)", style);
        Assert.Contains("var(--neutral-foreground-rest)", style);
        Assert.DoesNotContain("#", style);
        Assert.Equal(status, badge.TextContent.Trim());
    }

    [Fact]
    public void A_running_run_badge_uses_the_theme_accent()
    {
        var badge = Render<StatusBadge>(p => p.Add(x => x.Status, "running")).Find("fluent-badge[data-testid=status-badge]");

        Assert.Equal("accent", badge.GetAttribute("appearance"));
        Assert.Null(badge.GetAttribute("style"));
    }

    [Fact]
    public void A_freshness_card_edges_and_badges_in_the_level_token()
    {
        var stale = new Kasparro.Contracts.SourceStats(LastSuccess: Now.AddHours(-2).UtcDateTime, LastFailure: null, LastDurationMs: null, TotalRuns: 1, SuccessfulRuns: 1,
            FailedRuns: 0, TotalProcessed: 0, TotalFailed: 0, TotalQuarantined: 0, State: "idle", CurrentRunId: null, Backfill: null);

        var card = Render<SourceFreshnessCard>(p => p.Add(x => x.Source, "coingecko").Add(x => x.Stats, stale).Add(x => x.Now, Now));

        Assert.Contains("var(--warning)", card.Find("[data-testid=freshness-card]").GetAttribute("style"));
        Assert.Contains("var(--warning)", card.Find("fluent-badge[data-testid=freshness-badge]").GetAttribute("style"));
        Assert.Equal("stale", card.Find("fluent-badge[data-testid=freshness-badge]").TextContent.Trim());
        Assert.DoesNotContain("#", card.Find("[data-testid=freshness-card]").GetAttribute("style"));
    }
}
