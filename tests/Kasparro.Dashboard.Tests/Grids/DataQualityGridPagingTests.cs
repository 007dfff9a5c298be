using Bunit;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Grids;

/// <summary>The drift and quarantine grids page on the API and keep their filters and pages in the URL.</summary>
public sealed class DataQualityGridPagingTests : DashboardTestContext
{
    private NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    private IReadOnlyList<string> Requests(string path) =>
        Api.Requests.Select(r => Uri.UnescapeDataString(r.RequestUri!.PathAndQuery)).Where(q => q.StartsWith(path + "?", StringComparison.Ordinal)).ToList();

    [Fact]
    public void The_drift_grid_asks_for_the_next_offset_and_writes_its_page_to_the_URL()
    {
        Api.Json("/drift", Page(120, Drift)).Json("/quarantine", EmptyPage);
        Navigation.NavigateTo("/data-quality");
        var page = Render<DataQuality>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=drift-row]")));
        Assert.Equal(["/drift?limit=50&offset=0"], Requests("/drift"));
        Assert.Equal("Page 1 of 3", page.Find("[data-testid=drift-paginator] .pagination-text").TextContent.Trim());
        page.Render();
        Assert.Equal(["/drift?limit=50&offset=0"], Requests("/drift"));

        page.Find("[data-testid=drift-paginator] fluent-button[title='Go to next page']").Click();

        page.WaitForAssertion(() => Assert.Contains("/drift?limit=50&offset=50", Requests("/drift")));
        page.WaitForAssertion(() => Assert.EndsWith("/data-quality?drift_page=2", Navigation.Uri, StringComparison.Ordinal));
    }

    [Fact]
    public void A_deep_link_opens_the_quarantine_tab_with_its_filter_and_page()
    {
        Api.Json("/drift", EmptyPage).Json("/quarantine", Page(75, Quarantined));
        Navigation.NavigateTo("/data-quality?tab=quarantine&quarantine_source=csv&quarantine_page=2&kind=renamed");

        var page = Render<DataQuality>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=quarantine-row]")));
        Assert.Equal(["/quarantine?source=csv&limit=50&offset=50"], Requests("/quarantine"));
        Assert.Equal(["/drift?kind=renamed&limit=50&offset=0"], Requests("/drift"));
        Assert.Equal("Page 2 of 2", page.Find("[data-testid=quarantine-paginator] .pagination-text").TextContent.Trim());
        Assert.Equal("quarantine", page.Find("fluent-tabs").GetAttribute("activeid"));
    }
}
