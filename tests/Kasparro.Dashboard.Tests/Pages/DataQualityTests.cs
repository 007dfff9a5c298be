using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Tests.Infrastructure;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Pages;

public sealed class DataQualityTests : DashboardTestContext
{
    [Fact]
    public void Shows_a_loading_state_while_the_API_has_not_answered()
    {
        var never = new TaskCompletionSource();
        Api.Pending("/", never.Task);

        var page = Render<DataQuality>();

        Assert.Equal(2, page.FindAll("[data-testid=loading-state]").Count);
        never.SetResult();
    }

    [Fact]
    public void Lists_drift_events_and_quarantined_records()
    {
        Api.Json("/drift", Page(12, Drift)).Json("/quarantine", Page(Quarantined));

        var page = Render<DataQuality>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=drift-row]")));
        var drift = page.Find("[data-testid=drift-row]");
        Assert.Equal("coingecko", drift.GetAttribute("data-source"));
        // The marker sits in the grid row's first cell; the row holds the event's fields.
        var row = drift.Closest("tr")!;
        Assert.Contains("current_price", row.TextContent);
        Assert.Contains("82%", row.TextContent);
        Assert.Equal("12 items", page.Find("[data-testid=drift-paginator] .summary").TextContent.Trim());
        Assert.Equal("40", page.Find("[data-testid=quarantine-row]").GetAttribute("data-run"));
    }

    [Fact]
    public void Filters_quarantined_records_by_the_run_in_the_link()
    {
        Api.Json("/drift", EmptyPage).Json("/quarantine", Page(Quarantined));
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo("/data-quality?run_id=40");

        var page = Render<DataQuality>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=quarantine-row]")));
        Assert.Contains(Api.Requests, r => r.RequestUri!.PathAndQuery == "/quarantine?run_id=40&limit=50&offset=0");
    }

    [Fact]
    public void Shows_empty_states_when_the_data_is_clean()
    {
        Api.Json("/drift", EmptyPage).Json("/quarantine", EmptyPage);

        var page = Render<DataQuality>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=empty-state]").Count));
        Assert.Contains("No drift events.", page.Markup);
        Assert.Contains("No quarantined records.", page.Markup);
    }

    [Fact]
    public void Shows_a_clear_message_when_the_API_is_unreachable()
    {
        Api.Unreachable = true;

        var page = Render<DataQuality>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=api-error]").Count));
    }
}
