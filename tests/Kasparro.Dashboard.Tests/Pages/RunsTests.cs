using System.Net;
using Bunit;
using Kasparro.Dashboard.Api;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Tests.Infrastructure;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Pages;

public sealed class RunsTests : DashboardTestContext
{
    private static readonly string History = Page(3,
        Run(43, "coingecko", "failed", fetched: 0, durationMs: 900, error: "HTTP 429", startedAt: "2025-03-29T10:20:00Z"),
        Run(42, "coinpaprika", "success", fetched: 250, durationMs: 2100, startedAt: "2025-03-29T10:10:00Z"),
        Run(41, "coingecko", "success", fetched: 250, durationMs: 5120, startedAt: "2025-03-29T10:00:00Z"));

    [Fact]
    public void Shows_a_loading_state_while_the_history_loads()
    {
        var never = new TaskCompletionSource();
        Api.Pending("/runs", never.Task);

        var page = Render<Runs>();

        Assert.NotNull(page.Find("[data-testid=loading-state]"));
        Assert.Empty(page.FindAll("[data-testid=run-row]"));
        never.SetResult();
    }

    [Fact]
    public void Lists_the_runs_in_the_grid_with_charts_per_source()
    {
        Api.Json("/runs", History);

        var page = Render<Runs>();

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=run-row]").Count));
        Assert.Equal(["43", "42", "41"], page.FindAll("[data-testid=run-row]").Select(r => r.GetAttribute("data-run")!));
        Assert.Contains("HTTP 429", page.Find("[data-testid=runs-grid]").TextContent);
        var durations = page.FindAll("[data-testid=run-duration-chart-series] [data-testid=chart-series]");
        Assert.Equal(["coingecko", "coinpaprika"], durations.Select(s => s.GetAttribute("data-series")!));
        Assert.Equal(["2", "1"], durations.Select(s => s.GetAttribute("data-points")!));
        Assert.Contains(Api.Requests, r => r.RequestUri!.PathAndQuery == "/runs?limit=200&offset=0");
    }

    [Fact]
    public void Shows_an_empty_state_before_the_first_run()
    {
        Api.Json("/runs", EmptyPage);

        var page = Render<Runs>();

        page.WaitForAssertion(() => Assert.Contains("No runs match.", page.Find("[data-testid=empty-state]").TextContent));
    }

    [Fact]
    public void Shows_a_clear_message_when_the_API_is_unreachable()
    {
        Api.Unreachable = true;

        var page = Render<Runs>();

        page.WaitForAssertion(() => Assert.Contains("cannot be reached", page.Find("[data-testid=api-error]").TextContent));
    }

    [Fact]
    public void Run_now_is_disabled_with_an_explanation_when_no_token_is_configured()
    {
        Api.Json("/runs", History);

        var page = Render<Runs>();

        Assert.True(page.Find("[data-testid=run-now]").HasAttribute("disabled"));
        Assert.Contains("Scheduler:Token", page.Find("[data-testid=run-now-disabled]").TextContent);
    }

    [Fact]
    public void Run_now_sends_the_configured_token_and_reports_the_queued_run()
    {
        SchedulerToken.Token = "configured-token";
        Api.Json("/runs", History)
            .Json("/trigger-etl", """{"trigger_id": "b0c5", "status": "queued", "sources": ["coinpaprika","coingecko","csv"], "requested_at": "2025-03-29T10:30:00Z", "links": {"runs": "/runs?trigger_id=b0c5"}}""", HttpStatusCode.Accepted);
        var page = Render<Runs>();
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=run-row]").Count));

        page.Find("[data-testid=run-now]").Click();

        page.WaitForAssertion(() => Assert.Equal("accepted", page.Find("[data-testid=trigger-outcome]").GetAttribute("data-outcome")));
        Assert.Contains("Queued a run of every snapshot source", page.Find("[data-testid=trigger-outcome]").TextContent);
        var trigger = Api.Requests.Single(r => r.Method == HttpMethod.Post);
        Assert.Equal("/trigger-etl", trigger.RequestUri!.PathAndQuery);
        Assert.Equal("configured-token", trigger.Headers.GetValues("X-Scheduler-Token").Single());
    }

    [Fact]
    public void Run_now_explains_a_409_when_a_run_is_already_in_progress()
    {
        SchedulerToken.Token = "configured-token";
        Api.Json("/runs", History)
            .Problem("/trigger-etl", HttpStatusCode.Conflict, "Already running", "coingecko is running", "\"running_run\": " + Run(44, startedAt: "2025-03-29T10:29:00Z"));
        var page = Render<Runs>();

        page.Find("[data-testid=run-now]").Click();

        page.WaitForAssertion(() => Assert.Equal("alreadyrunning", page.Find("[data-testid=trigger-outcome]").GetAttribute("data-outcome")));
        Assert.Contains("already running or queued (run #44 started 10:29:00 UTC)", page.Find("[data-testid=trigger-outcome]").TextContent);
    }

    [Fact]
    public void Run_now_explains_a_401_as_a_token_mismatch()
    {
        SchedulerToken.Token = "wrong-token";
        Api.Json("/runs", History).Problem("/trigger-etl", HttpStatusCode.Unauthorized, "Unauthorized");
        var page = Render<Runs>();

        page.Find("[data-testid=run-now]").Click();

        page.WaitForAssertion(() => Assert.Equal("unauthorized", page.Find("[data-testid=trigger-outcome]").GetAttribute("data-outcome")));
        Assert.Contains("rejected the dashboard's scheduler token", page.Find("[data-testid=trigger-outcome]").TextContent);
    }

    [Fact]
    public void A_viewer_sees_the_runs_but_no_run_now()
    {
        Authorization.SetRoles(Security.DashboardRoles.Viewer);
        Authorization.SetPolicies(Security.DashboardRoles.Viewer);
        SchedulerToken.Token = "configured-token";
        Api.Json("/runs", History);

        var page = Render<Runs>();

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=run-row]").Count));
        Assert.Empty(page.FindAll("[data-testid=run-now-panel]"));
        Assert.Empty(page.FindAll("[data-testid=run-now]"));
    }
}
