using System.Net;
using Bunit;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Components.Shared;
using Kasparro.Dashboard.Tests.Infrastructure;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Pages;

public sealed class AlertsTests : DashboardTestContext
{
    private const string OpenAlert = """
        {"id": 7, "rule_id": 2, "kind": "divergence", "subject": "btc-bitcoin", "state": "open", "opened_at": "2025-03-29T10:20:00Z",
         "resolved_at": null, "last_notified_at": null, "details": {"summary": "btc-bitcoin: sources 3% apart (threshold 2%)", "divergence_pct": 3}}
        """;

    private const string ResolvedAlert = """
        {"id": 5, "rule_id": 3, "kind": "run_failed", "subject": "csv", "state": "resolved", "opened_at": "2025-03-29T09:00:00Z",
         "resolved_at": "2025-03-29T09:10:00Z", "last_notified_at": "2025-03-29T09:10:01Z", "details": {"summary": "csv: run 4 failed"}}
        """;

    private const string Rules = """
        {"data": [
          {"id": 2, "kind": "divergence", "asset_id": null, "source": null, "threshold_pct": 2, "window": null, "stale_after": null, "cooldown": "00:30:00", "origin": "config", "created_at": "2025-03-29T08:00:00Z"},
          {"id": 3, "kind": "run_failed", "asset_id": null, "source": "csv", "threshold_pct": null, "window": null, "stale_after": null, "cooldown": "00:00:00", "origin": "api", "created_at": "2025-03-29T08:00:00Z"}
        ]}
        """;

    private void AnswerAll() => Api
        .Json("/alerts?state=open", Page(OpenAlert))
        .Json("/alerts?state=resolved", Page(ResolvedAlert))
        .Json("/alerts/rules", Rules);

    [Fact]
    public void Lists_open_and_resolved_alerts_and_the_rules()
    {
        AnswerAll();

        var page = Render<Alerts>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=alert-row]").Count));
        var open = page.Find("[data-testid=alert-row][data-state=open]");
        Assert.Equal("btc-bitcoin", open.GetAttribute("data-subject"));
        Assert.Contains("sources 3% apart", open.TextContent);
        Assert.Equal("csv", page.Find("[data-testid=alert-row][data-state=resolved]").GetAttribute("data-subject"));
        Assert.Equal(["config", "api"], page.FindAll("[data-testid=rule-row]").Select(r => r.GetAttribute("data-origin")));
    }

    [Fact]
    public void Without_the_token_the_rule_editor_is_not_shown()
    {
        AnswerAll();

        var page = Render<Alerts>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=rule-row]").Count));
        Assert.Empty(page.FindAll("[data-testid=rule-editor]"));
        Assert.Empty(page.FindAll("[data-testid=delete-rule]"));
    }

    [Fact]
    public void With_the_token_api_rules_can_be_deleted_but_configured_ones_cannot()
    {
        SchedulerToken.Token = "dashboard-token";
        AnswerAll();
        Api.Json("/alerts/rules/3", "", HttpStatusCode.NoContent);

        var page = Render<Alerts>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=delete-rule]")));
        Assert.NotNull(page.Find("[data-testid=rule-editor]"));
        page.Find("[data-testid=delete-rule]").Click();

        page.WaitForAssertion(() => Assert.Contains(Api.Requests, r => r.Method == HttpMethod.Delete && r.RequestUri!.AbsolutePath == "/alerts/rules/3"));
        var delete = Api.Requests.Single(r => r.Method == HttpMethod.Delete);
        Assert.Equal("dashboard-token", delete.Headers.GetValues("X-Scheduler-Token").Single());
    }

    [Fact]
    public void Creating_a_rule_posts_it_with_the_token_and_shows_the_apis_validation_message()
    {
        SchedulerToken.Token = "dashboard-token";
        AnswerAll();
        var page = Render<Alerts>();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=create-rule]")));
        Api.Json("/alerts/rules", """{"errors": {"threshold_pct": ["is required for divergence rules"]}, "status": 400, "title": "One or more validation errors occurred."}""", HttpStatusCode.BadRequest);

        page.Find("[data-testid=create-rule]").Click();

        page.WaitForAssertion(() => Assert.Contains("threshold_pct: is required for divergence rules", page.Find("[data-testid=rule-error]").TextContent));
        var post = Api.Requests.Single(r => r.Method == HttpMethod.Post);
        Assert.Equal("/alerts/rules", post.RequestUri!.AbsolutePath);
        Assert.Equal("dashboard-token", post.Headers.GetValues("X-Scheduler-Token").Single());
    }

    [Fact]
    public void The_header_badge_shows_the_number_of_open_alerts()
    {
        Api.Json("/alerts?state=open", Page(12, OpenAlert));

        var badge = Render<OpenAlertsBadge>();

        badge.WaitForAssertion(() => Assert.Equal("12", badge.Find("[data-testid=open-alerts-badge]").GetAttribute("data-count")));
        Assert.Contains("12", badge.Find("[data-testid=open-alerts-badge]").TextContent);
        Assert.Equal("/alerts", badge.Find("[data-testid=open-alerts-badge]").GetAttribute("href"));
    }

    [Fact]
    public void The_header_badge_refreshes_on_its_timer()
    {
        Api.Json("/alerts?state=open", Page(1, OpenAlert));
        var badge = Render<OpenAlertsBadge>(p => p.Add(b => b.RefreshEvery, TimeSpan.FromMilliseconds(100)));
        badge.WaitForAssertion(() => Assert.Equal("1", badge.Find("[data-testid=open-alerts-badge]").GetAttribute("data-count")));

        Api.Json("/alerts?state=open", Page(3, OpenAlert, OpenAlert, OpenAlert));

        badge.WaitForAssertion(() => Assert.Equal("3", badge.Find("[data-testid=open-alerts-badge]").GetAttribute("data-count")), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void The_header_badge_is_hidden_when_the_api_is_unreachable()
    {
        Api.Unreachable = true;

        var badge = Render<OpenAlertsBadge>();

        badge.WaitForAssertion(() => Assert.True(Api.Requests.Count > 0));
        Assert.Empty(badge.FindAll("[data-testid=open-alerts-badge]"));
    }

    [Fact]
    public void Each_alert_list_downloads_exactly_the_page_it_shows()
    {
        AnswerAll();

        var page = Render<Alerts>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=alert-row]").Count));
        foreach (var state in new[] { "open", "resolved" })
        {
            var request = Api.Requests.Single(r => r.RequestUri!.AbsolutePath == "/alerts" && r.RequestUri.Query.Contains($"state={state}", StringComparison.Ordinal));
            var link = page.Find($"[data-testid=alerts-{state}-download]");
            Assert.Equal("/download/alerts.csv" + request.RequestUri!.Query, link.GetAttribute("href"));
            Assert.True(link.HasAttribute("download"));
        }
    }
}
