using System.Net;
using Bunit;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Tests.Infrastructure;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Pages;

public sealed class RunDetailTests : DashboardTestContext
{
    // The API's shape: the run's fields plus "drift", "quarantined_records" and "quarantined_total".
    private static string Detail(long id, string drift, string quarantined, int total) =>
        Run(id, "csv", "partial", error: "2 rows could not be read").TrimEnd().TrimEnd('}')
        + $", \"drift\": [{drift}], \"quarantined_records\": [{quarantined}], \"quarantined_total\": {total}}}";

    [Fact]
    public void Shows_the_run_with_its_drift_and_quarantined_records()
    {
        Api.Json("/runs/40", Detail(40, Drift, Quarantined, 130));

        var page = Render<RunDetailPage>(p => p.Add(x => x.Id, 40L));

        page.WaitForAssertion(() => Assert.Equal("partial", page.Find("[data-testid=run-summary]").GetAttribute("data-status")));
        Assert.Contains("130", page.Find("[data-testid=run-summary]").TextContent);
        Assert.Contains("2 rows could not be read", page.Find("[data-testid=run-error]").TextContent);
        Assert.Equal("renamed", page.Find("[data-testid=drift-row]").GetAttribute("data-kind"));
        Assert.Contains("price_usd is not a number", page.Find("[data-testid=quarantine-row]").Closest("tr")!.TextContent);
        Assert.Contains("Showing 1 of 130", page.Markup);
    }

    [Fact]
    public void Says_so_when_the_run_has_no_drift_and_nothing_quarantined()
    {
        Api.Json("/runs/40", Detail(40, "", "", 0));

        var page = Render<RunDetailPage>(p => p.Add(x => x.Id, 40L));

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=empty-state]").Count));
        Assert.Contains("No drift in this run.", page.Markup);
        Assert.Contains("Nothing was quarantined.", page.Markup);
    }

    [Fact]
    public void An_unknown_run_gets_a_clear_message()
    {
        Api.Problem("/runs/999", HttpStatusCode.NotFound, "Not Found");

        var page = Render<RunDetailPage>(p => p.Add(x => x.Id, 999L));

        page.WaitForAssertion(() => Assert.Contains("There is no run #999.", page.Find("[data-testid=api-error]").TextContent));
    }

    [Fact]
    public void Shows_a_loading_state_while_the_run_loads()
    {
        var never = new TaskCompletionSource();
        Api.Pending("/runs/40", never.Task);

        var page = Render<RunDetailPage>(p => p.Add(x => x.Id, 40L));

        Assert.NotNull(page.Find("[data-testid=loading-state]"));
        Assert.Empty(page.FindAll("[data-testid=run-summary]"));
        never.SetResult();
    }

    [Fact]
    public void Shows_a_clear_message_when_the_API_is_unreachable()
    {
        Api.Unreachable = true;

        var page = Render<RunDetailPage>(p => p.Add(x => x.Id, 40L));

        page.WaitForAssertion(() => Assert.Contains("cannot be reached", page.Find("[data-testid=api-error]").TextContent));
    }
}
